// The real clock, and a manual one for tests and full-speed runs.
import type { Clock, Timer } from './contracts/clock.ts';

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    return { cancel: () => clearInterval(t) };
  },
};

/** The longest delay Node's timers take (a signed 32-bit number of ms); a longer one fires at once (TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `fn` once the clock reaches `at` (ms since epoch). A wait longer than Node's
 * timers take (24.8 days; an API token lives 90 days or more) is taken in steps, and
 * a clock whose `now` runs apart from its timers is asked again at each step.
 */
export function setTimeoutAt(clock: Clock, at: number, fn: () => void): Timer {
  let timer: Timer;
  const arm = (): void => {
    const wait = Math.max(0, at - clock.now());
    timer = clock.setTimeout(() => (clock.now() < at ? arm() : fn()), Math.min(wait, MAX_TIMER_MS));
  };
  arm();
  return { cancel: () => timer.cancel() };
}

/** A clock with a `now` of its own (a simulated or device time) and real timers. */
export function clockWithNow(now: () => number): Clock {
  return { ...systemClock, now };
}

interface Pending {
  id: number;
  at: number;
  fn: () => void;
  every?: number;
}

/**
 * A clock that moves only when told: `advance(ms)` runs every timer that falls due,
 * in time order, each at its own time (a timer set by a timer runs too if it falls
 * within the advance).
 */
export class ManualClock implements Clock {
  #now: number;
  #next = 0;
  #timers: Pending[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.#add({ id: this.#next++, at: this.#now + Math.max(0, ms), fn });
  }

  setInterval(fn: () => void, ms: number): Timer {
    const every = Math.max(1, ms);
    return this.#add({ id: this.#next++, at: this.#now + every, fn, every });
  }

  /** Timers waiting to run. */
  get pending(): number {
    return this.#timers.length;
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const t = this.#timers[0];
      if (!t || t.at > end) break;
      this.#now = t.at;
      if (t.every) t.at += t.every;
      else this.#timers.shift();
      t.fn();
    }
    this.#now = end;
  }

  /** Advances in steps, yielding to the event loop between them so promises settle. */
  async tick(ms: number, stepMs = ms): Promise<void> {
    for (let done = 0; done < ms; done += stepMs) {
      this.advance(Math.min(stepMs, ms - done));
      for (let i = 0; i < 5; i++) await Promise.resolve();
      await new Promise((r) => setImmediate(r));
    }
  }

  #add(p: Pending): Timer {
    this.#timers.push(p);
    return { cancel: () => (this.#timers = this.#timers.filter((x) => x !== p)) };
  }
}
