// The bench's watchdog: the quick bench gates CI, so it must always end. Every step of
// the bench (a workload, a platform's start or stop) runs as a named phase; MQTT
// packets arriving at the bench's clients, /live frames and /health answers count as
// progress (`beat`). A phase that sees no progress for `idleMs` fails the bench with a
// message that names it, after `onStall` has killed what the bench started.
//
// A timer that fires late means the bench's own event loop was busy (an in-process
// workload computing), not that something stalled: that counts as progress too.

export interface WatchdogOptions {
  /** a phase without progress for this long fails the bench */
  idleMs: number;
  /** how often to look; defaults to a second */
  checkMs?: number;
  /** called once, with the message, when a phase stalls */
  onStall: (message: string) => void;
  now?: () => number;
}

export class Watchdog {
  readonly #o: Required<WatchdogOptions>;
  #phase: string | undefined;
  #last = 0;
  #lastCheck = 0;
  #timer: NodeJS.Timeout | undefined;
  #stalled = false;

  constructor(o: WatchdogOptions) {
    this.#o = { checkMs: 1000, now: () => performance.now(), ...o };
  }

  /** Progress: something the current phase waits for arrived. */
  beat(): void {
    this.#last = this.#o.now();
  }

  /** The phase running now, if any. */
  get current(): string | undefined {
    return this.#phase;
  }

  /** Runs `fn` as the phase `name`; phases do not nest (the inner name is used while it runs). */
  async phase<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const outer = this.#phase;
    this.#phase = name;
    this.beat();
    this.#arm();
    try {
      return await fn();
    } finally {
      this.#phase = outer;
      this.beat();
      if (outer === undefined) this.#disarm();
    }
  }

  /** Looks once (the timer calls this; tests call it with an injected clock). */
  check(): void {
    const now = this.#o.now();
    // the timer itself came late: the bench's own loop was busy, which is progress
    if (now - this.#lastCheck > 3 * this.#o.checkMs) this.beat();
    this.#lastCheck = now;
    if (this.#phase === undefined || this.#stalled) return;
    const idle = now - this.#last;
    if (idle < this.#o.idleMs) return;
    this.#stalled = true;
    this.#disarm();
    this.#o.onStall(`bench: no progress in "${this.#phase}" for ${Math.round(idle / 1000)} s (the watchdog's limit is ${Math.round(this.#o.idleMs / 1000)} s, --stall-s); the bench fails`);
  }

  #arm(): void {
    if (this.#timer) return;
    this.#lastCheck = this.#o.now();
    this.#timer = setInterval(() => this.check(), this.#o.checkMs);
  }

  #disarm(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
