// Store writer: buffers accepted readings and writes them in batches. When the store
// fails, the batch stays at the head of the buffer and is retried with backoff, so a
// store outage delays readings but does not lose them (up to bufferMax, past which
// the oldest are dropped and counted: memory is finite).
import type { Logger } from 'pino';
import type { EventBus, Reading } from '../events.ts';
import type { TimeSeriesStore } from './port.ts';

export interface StoreWriterDeps {
  store: TimeSeriesStore;
  events: EventBus;
  log: Logger;
  flushMs: number;
  batchSize: number;
  bufferMax: number;
  setTimer?: (fn: () => void, ms: number) => NodeJS.Timeout;
  clearTimer?: (t: NodeJS.Timeout) => void;
}

export interface StoreWriterStats {
  written: number;
  pending: number;
  failures: number;
  dropped: number;
  lastError: string | null;
}

const MAX_BACKOFF_MS = 30_000;

export class StoreWriter {
  readonly #deps: StoreWriterDeps;
  #buffer: Reading[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #backoffMs = 0;
  #off: (() => void) | undefined;
  #running = false;
  readonly #stats = { written: 0, failures: 0, dropped: 0, lastError: null as string | null };

  constructor(deps: StoreWriterDeps) {
    this.#deps = deps;
  }

  stats(): StoreWriterStats {
    return { ...this.#stats, pending: this.#buffer.length };
  }

  async start(): Promise<void> {
    this.#running = true;
    this.#off = this.#deps.events.on('readingAccepted', 'store-writer', (r) => this.add(r));
    this.#schedule(this.#deps.flushMs);
  }

  add(r: Reading): void {
    this.#buffer.push(r);
    if (this.#buffer.length > this.#deps.bufferMax) {
      const excess = this.#buffer.length - this.#deps.bufferMax;
      this.#buffer.splice(0, excess);
      this.#stats.dropped += excess;
    }
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
      this.#backoffMs = 0;
      this.#stats.lastError = null;
    }
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    const set = this.#deps.setTimer ?? setTimeout;
    this.#timer = set(() => {
      void this.flush().then(() => this.#schedule(this.#backoffMs || this.#deps.flushMs));
    }, ms);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#off?.();
    if (this.#timer) (this.#deps.clearTimer ?? clearTimeout)(this.#timer);
    await this.#flushing;
    // Last chance: a few quick tries so a clean shutdown writes what it holds.
    for (let i = 0; i < 3 && this.#buffer.length > 0; i++) await this.flush();
    if (this.#buffer.length > 0) {
      this.#deps.log.error({ pending: this.#buffer.length }, 'store unavailable at shutdown; buffered readings not written');
    }
  }
}
