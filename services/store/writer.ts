// Store writer: accepted readings are buffered and written to the store in batches,
// in the order they were accepted. When the store fails, the batch stays at the head
// of the buffer and is retried with backoff. Each stored batch is announced
// (readingsStored), so the intake can forget the spooled messages behind it.
// Past `bufferMax`, `hasRoom` holds acknowledgements: devices slow down, nothing drops.
import type { Logger } from 'pino';
import type { Clock, Reading, Timer } from '../contracts/index.ts';
import type { EventBus } from '../events.ts';
import type { TimeSeriesStore } from './port.ts';

export interface StoreWriterDeps {
  store: TimeSeriesStore;
  events: EventBus;
  log: Logger;
  flushMs: number;
  batchSize: number;
  /** readings held in memory before acknowledgements wait for the store */
  bufferMax: number;
  clock: Clock;
}

export interface StoreWriterStats {
  written: number;
  pending: number;
  failures: number;
  lastError: string | null;
}

const MAX_BACKOFF_MS = 30_000;
const OWNER = 'store-writer';

export class StoreWriter {
  readonly #deps: StoreWriterDeps;
  #buffer: Reading[] = [];
  #timer: Timer | undefined;
  #flushing: Promise<void> | undefined;
  #backoffMs = 0;
  #running = false;
  #roomWaiters: (() => void)[] = [];
  readonly #stats = { written: 0, failures: 0, lastError: null as string | null };

  constructor(deps: StoreWriterDeps) {
    this.#deps = deps;
  }

  stats(): StoreWriterStats {
    return { ...this.#stats, pending: this.#buffer.length };
  }

  async start(): Promise<void> {
    this.#running = true;
    this.#deps.events.on('readingAccepted', OWNER, (r) => this.add(r));
    this.#schedule(this.#deps.flushMs);
  }

  add(r: Reading): void {
    this.#buffer.push(r);
  }

  /** Resolves at once while the buffer is within bounds, else once the store has drained it. */
  hasRoom(): Promise<void> | undefined {
    if (this.#buffer.length <= this.#deps.bufferMax) return undefined;
    return new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
  }

  /** Writes everything buffered now; resolves when done or when the store failed. */
  async flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    this.#flushing = this.#drain().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.slice(0, this.#deps.batchSize);
      try {
        await this.#deps.store.write(batch);
      } catch (err) {
        this.#stats.failures++;
        this.#stats.lastError = (err as Error).message;
        this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs ? this.#backoffMs * 2 : this.#deps.flushMs * 2);
        this.#deps.log.warn({ err, pending: this.#buffer.length, retryInMs: this.#backoffMs }, 'store write failed; keeping batch');
        return;
      }
      // Only now is the batch safe to forget; a reading added meanwhile sits behind it.
      this.#buffer.splice(0, batch.length);
      this.#stats.written += batch.length;
      this.#deps.events.emit('readingsStored', { count: batch.length });
      this.#backoffMs = 0;
      this.#stats.lastError = null;
      if (this.#buffer.length <= this.#deps.bufferMax) for (const w of this.#roomWaiters.splice(0)) w();
    }
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    this.#timer = this.#deps.clock.setTimeout(() => {
      void this.flush().then(() => this.#schedule(this.#backoffMs || this.#deps.flushMs));
    }, ms);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#deps.events.removeListeners(OWNER);
    this.#timer?.cancel();
    await this.#flushing;
    // Last chance: a few quick tries so a clean shutdown writes what it holds.
    for (let i = 0; i < 3 && this.#buffer.length > 0; i++) await this.flush();
    if (this.#buffer.length > 0) {
      this.#deps.log.error({ pending: this.#buffer.length }, 'store unavailable at shutdown; the spool keeps the readings for the next start');
    }
    for (const w of this.#roomWaiters.splice(0)) w();
  }
}
