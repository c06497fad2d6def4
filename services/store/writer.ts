// Store writer: accepted readings are buffered and written to the store in batches.
// When the store fails, the batch stays at the head of the buffer and is retried with
// backoff. The messages readings came in are spooled before they are acknowledged
// (services/store/spool.ts); once a batch is stored, the spool may forget them.
// Past `bufferMax`, `hasRoom` holds acknowledgements: devices slow down, nothing drops.
import type { Logger } from 'pino';
import type { EventBus, Reading } from '../events.ts';
import type { TimeSeriesStore } from './port.ts';
import type { Spool } from './spool.ts';

export interface StoreWriterDeps {
  store: TimeSeriesStore;
  events: EventBus;
  log: Logger;
  flushMs: number;
  batchSize: number;
  /** readings held in memory before acknowledgements wait for the store */
  bufferMax: number;
  spool?: Spool;
}

export interface StoreWriterStats {
  written: number;
  pending: number;
  failures: number;
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
    this.#off = this.#deps.events.on('readingAccepted', 'store-writer', (r) => this.add(r));
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
      this.#releaseSpool();
      this.#stats.written += batch.length;
      this.#backoffMs = 0;
      this.#stats.lastError = null;
      if (this.#buffer.length <= this.#deps.bufferMax) for (const w of this.#roomWaiters.splice(0)) w();
    }
  }

  /** Tells the spool the oldest message whose readings are still only in memory. */
  #releaseSpool(): void {
    const spool = this.#deps.spool;
    if (!spool) return;
    let low = spool.nextSeq;
    // readings sit in arrival order, which follows spool order but for a little
    // interleaving between connections: the head of the buffer holds the oldest
    const n = Math.min(this.#buffer.length, 10_000);
    for (let i = 0; i < n; i++) {
      const s = this.#buffer[i]!.spoolSeq;
      if (s !== undefined && s < low) low = s;
    }
    spool.release(low);
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      void this.flush().then(() => this.#schedule(this.#backoffMs || this.#deps.flushMs));
    }, ms);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#off?.();
    clearTimeout(this.#timer);
    await this.#flushing;
    // Last chance: a few quick tries so a clean shutdown writes what it holds.
    for (let i = 0; i < 3 && this.#buffer.length > 0; i++) await this.flush();
    if (this.#buffer.length > 0) {
      this.#deps.log.error({ pending: this.#buffer.length }, 'store unavailable at shutdown; the spool keeps the readings for the next start');
    }
    for (const w of this.#roomWaiters.splice(0)) w();
  }
}
