// How many password hashes run at once. A people's scrypt takes 128 MiB and a core
// for about a quarter of a second (credentials.ts), and runs on libuv's thread pool,
// which file reads and DNS share. The login rate limiter counts failures only after
// they happen, so a burst of simultaneous logins (or one per address from a botnet)
// all pass it at once: without a gate they would take every pool thread and as many
// 128 MiB blocks as the pool has threads, for as long as the burst lasts. Past
// `concurrency` running and `maxWaiting` queued, a new hash is refused at once with
// ERR_AUTH_BUSY (503, Retry-After) instead of queued without end.
import { QalaError } from '../contracts/errors.ts';

export class HashGate {
  readonly #concurrency: number;
  readonly #maxWaiting: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  /** hashes refused because the gate was full */
  refused = 0;

  constructor(concurrency: number, maxWaiting: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number of at least 1 (given ${concurrency})`);
    if (!Number.isInteger(maxWaiting) || maxWaiting < 0) throw new RangeError(`maxWaiting must be a whole number of at least 0 (given ${maxWaiting})`);
    this.#concurrency = concurrency;
    this.#maxWaiting = maxWaiting;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `fn` when a slot is free; throws ERR_AUTH_BUSY at once if too many are already waiting. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrency) {
      if (this.#waiting.length >= this.#maxWaiting) {
        this.refused++;
        throw new QalaError('ERR_AUTH_BUSY', `too many logins at once (${this.#running} password checks running, ${this.#waiting.length} waiting: QALA_PASSWORD_HASH_CONCURRENCY, QALA_PASSWORD_HASH_QUEUE); try again in a second`);
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await fn();
    } finally {
      // the slot passes straight to the next in line, so #running never dips and lets a newcomer jump the queue
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
