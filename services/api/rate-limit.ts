// Failed attempts per key (a remote address, a user name) in a sliding minute: past
// the allowance the key is refused until its oldest failure is a minute old. Keys are
// bounded in number (the oldest forgotten first), so a flood of made-up names cannot
// grow it without end. Pure, on an injected clock.
import type { Clock } from '../contracts/index.ts';

export const WINDOW_MS = 60_000;

export class FailureLimiter {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #perMinute: number;
  readonly #maxKeys: number;
  /** key → times of its failures within the window, oldest first (at most perMinute of them) */
  readonly #failures = new Map<string, number[]>();

  constructor(clock: Pick<Clock, 'now'>, perMinute: number, maxKeys = 100_000) {
    this.#clock = clock;
    this.#perMinute = perMinute;
    this.#maxKeys = maxKeys;
  }

  get keys(): number {
    return this.#failures.size;
  }

  /** 0 when the key may try now, otherwise the ms until it may. */
  retryAfterMs(key: string): number {
    const times = this.#live(key);
    if (!times || times.length < this.#perMinute) return 0;
    return times[0]! + WINDOW_MS - this.#clock.now();
  }

  fail(key: string): void {
    const times = this.#live(key) ?? [];
    times.push(this.#clock.now());
    if (times.length > this.#perMinute) times.splice(0, times.length - this.#perMinute);
    // re-inserted, so the Map's order is by latest failure and the first key is the stalest
    this.#failures.delete(key);
    this.#failures.set(key, times);
    while (this.#failures.size > this.#maxKeys) this.#failures.delete(this.#failures.keys().next().value!);
  }

  #live(key: string): number[] | undefined {
    const times = this.#failures.get(key);
    if (!times) return undefined;
    const cutoff = this.#clock.now() - WINDOW_MS;
    while (times.length && times[0]! <= cutoff) times.shift();
    if (times.length === 0) {
      this.#failures.delete(key);
      return undefined;
    }
    return times;
  }
}
