// The webhook outbox: a delivery is journalled (fsync) before it is attempted, and
// retried with exponential backoff until the endpoint answers 2xx, across restarts.
// Each POST is signed: X-Qala-Signature = sha256=HMAC(secret, "<timestamp>.<body>").
// The journal holds a delivery's body once (at enqueue); a failed attempt appends
// only `{id, attempts, nextAt, lastError}` and a delivered one `{id}`. It is
// compacted to the pending deliveries at start and whenever it grows well past
// them, so delivered deliveries are dropped and an endpoint that is down for days
// costs a line per attempt, not a body.
import { createHmac, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock, Timer } from '../contracts/index.ts';
import { compactionDue, DEFAULT_COMPACTION, Journal, type CompactionPolicy } from '../durable/journal.ts';

export interface Delivery {
  id: string;
  url: string;
  /** which route's secret signs it (looked up at send time, so a rotated secret applies) */
  route: string;
  body: string;
  createdAt: number;
  attempts: number;
  nextAt: number;
  lastError: string | null;
  delivered: boolean;
}

type Record_ =
  | { op: 'put'; d: Delivery }
  | { op: 'try'; id: string; attempts: number; nextAt: number; lastError: string | null }
  | { op: 'done'; id: string };

/** A pending delivery's share of the live journal: its put line. */
const putBytes = (d: Delivery): number => Buffer.byteLength(d.body) + d.url.length + d.route.length + 200;

export interface OutboxDeps {
  dataDir: string;
  log: Logger;
  clock: Clock;
  /** the signing key of a webhook route; undefined when no such route is configured any more */
  secretFor: (route: string) => string | undefined;
  fetchImpl?: typeof fetch;
  pollMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  /** when to compact the journal while running; default 4× the pending deliveries and over 4 MiB */
  compaction?: CompactionPolicy;
}

export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class Outbox {
  readonly #deps: OutboxDeps;
  readonly #journal: Journal<Record_>;
  readonly #pending = new Map<string, Delivery>();
  #timer: Timer | undefined;
  #running = false;
  #flushing: Promise<void> | undefined;
  readonly #stats = { delivered: 0, failedAttempts: 0, compactions: 0, compactionErrors: 0 };
  /** the pending deliveries' size in the journal (an estimate) */
  #liveBytes = 0;

  constructor(deps: OutboxDeps) {
    this.#deps = deps;
    this.#journal = new Journal<Record_>(join(deps.dataDir, 'outbox.jsonl'));
  }

  stats() {
    return { pending: this.#pending.size, ...this.#stats, journalBytes: this.#journal.bytes };
  }

  pending(): Delivery[] {
    return [...this.#pending.values()];
  }

  async start(): Promise<void> {
    for (const r of this.#journal.records()) {
      if (r.op === 'put') this.#pending.set(r.d.id, r.d);
      else if (r.op === 'done') this.#pending.delete(r.id);
      else {
        const d = this.#pending.get(r.id);
        if (d) Object.assign(d, { attempts: r.attempts, nextAt: r.nextAt, lastError: r.lastError });
      }
    }
    if (this.#journal.tornLines > 0 || this.#journal.oversizeLines > 0) {
      this.#deps.log.warn({ file: this.#journal.path, torn: this.#journal.tornLines, oversize: this.#journal.oversizeLines }, 'outbox journal: skipped lines');
    }
    this.#journal.compact(this.#puts());
    this.#liveBytes = 0;
    for (const d of this.#pending.values()) this.#liveBytes += putBytes(d);
    this.#running = true;
    this.#schedule();
  }

  enqueue(url: string, route: string, body: string): Delivery {
    const d: Delivery = { id: randomUUID(), url, route, body, createdAt: this.#deps.clock.now(), attempts: 0, nextAt: this.#deps.clock.now(), lastError: null, delivered: false };
    this.#journal.append({ op: 'put', d });
    this.#pending.set(d.id, d);
    this.#liveBytes += putBytes(d);
    this.#afterAppend();
    return d;
  }

  *#puts(): Generator<Record_> {
    for (const d of this.#pending.values()) yield { op: 'put', d };
  }

  #afterAppend(): void {
    if (this.#journal.compacting || !compactionDue(this.#journal.bytes, this.#liveBytes, this.#deps.compaction ?? DEFAULT_COMPACTION)) return;
    const startedAt = this.#journal.bytes;
    this.#journal
      .compactInBackground(this.#puts())
      .then(() => {
        this.#stats.compactions++;
      })
      .catch((err: unknown) => {
        this.#stats.compactionErrors++;
        this.#liveBytes = Math.max(this.#liveBytes, startedAt); // try again once it has grown as much again
        this.#deps.log.error({ err, file: this.#journal.path }, 'outbox journal: compaction failed; appending to the old journal');
      });
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = this.#deps.clock.setTimeout(() => void this.flush().finally(() => this.#schedule()), this.#deps.pollMs ?? 250);
  }

  /**
   * Attempts what is due. Deliveries to one endpoint go out one at a time in the
   * order they were made, so a receiver never sees `incident.resolved` before a
   * retried `incident.opened`: while the oldest fails, the ones behind it wait.
   */
  flush(): Promise<void> {
    this.#flushing ??= this.#flushQueues().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flushQueues(): Promise<void> {
    const queues = new Map<string, Delivery[]>();
    for (const d of this.#pending.values()) {
      const key = `${d.route}\n${d.url}`;
      const q = queues.get(key);
      if (q) q.push(d);
      else queues.set(key, [d]);
    }
    await Promise.all(
      [...queues.values()].map(async (q) => {
        for (const d of q) {
          if (d.nextAt > this.#deps.clock.now() || !(await this.#attempt(d))) return;
        }
      }),
    );
  }

  /** One attempt; true once delivered. */
  async #attempt(d: Delivery): Promise<boolean> {
    const timestamp = String(Math.floor(this.#deps.clock.now() / 1000));
    const f = this.#deps.fetchImpl ?? fetch;
    let error: string;
    const secret = this.#deps.secretFor(d.route);
    try {
      // never send unsigned: a delivery whose route was removed waits (journalled) for it
      if (secret === undefined) throw new Error(`no webhook route for "${d.route}" in the routes file any more`);
      const res = await f(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-qala-delivery': d.id,
          'x-qala-timestamp': timestamp,
          'x-qala-signature': sign(secret, timestamp, d.body),
        },
        body: d.body,
        signal: AbortSignal.timeout(this.#deps.timeoutMs ?? 5000),
      });
      await res.arrayBuffer(); // drain so the connection is reused
      if (res.ok) {
        this.#journal.append({ op: 'done', id: d.id });
        this.#pending.delete(d.id);
        this.#liveBytes -= putBytes(d);
        this.#afterAppend();
        this.#stats.delivered++;
        return true;
      }
      error = `HTTP ${res.status}`;
    } catch (err) {
      error = (err as Error).message;
    }
    this.#stats.failedAttempts++;
    d.attempts++;
    const base = this.#deps.baseBackoffMs ?? 1000;
    d.nextAt = this.#deps.clock.now() + Math.min(this.#deps.maxBackoffMs ?? 300_000, base * 2 ** (d.attempts - 1));
    d.lastError = error;
    this.#journal.append({ op: 'try', id: d.id, attempts: d.attempts, nextAt: d.nextAt, lastError: error });
    this.#afterAppend();
    this.#deps.log.warn({ url: d.url, attempts: d.attempts, error, retryAt: new Date(d.nextAt).toISOString() }, 'webhook delivery failed; will retry');
    return false;
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#timer?.cancel();
    await this.#flushing;
    await this.#journal.idle();
    this.#journal.close();
  }
}
