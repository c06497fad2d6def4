// The ingest spool: every telemetry message a device publishes is appended to a
// segment file and fsynced (group commit, every few ms) before the broker sends its
// PUBACK, so an acknowledged reading survives a kill -9 and a store outage. A
// segment is deleted once every message in it has been ingested and its readings
// stored; at start the rest is replayed through ingest.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface SpooledMessage {
  topic: string;
  /** base64 of the payload bytes */
  payload: string;
  receivedAt: number;
}

interface Segment {
  path: string;
  fd: number | undefined;
  maxSeq: number;
  lines: number;
  openedAt: number;
}

export interface SpoolDeps {
  dir: string;
  commitMs: number;
  now: () => number;
  /** rotate the current segment after this many messages or this age */
  segmentMessages?: number;
  segmentAgeMs?: number;
}

export class Spool {
  readonly #deps: SpoolDeps;
  #segments: Segment[] = [];
  #pending: { seq: number; line: string }[] = [];
  #seq = 0;
  #committedSeq = 0;
  #waiters: { seq: number; resolve: () => void }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #next = 0;
  /** payload buffer → its spool sequence, until ingest takes it */
  readonly #bySeqPayload = new WeakMap<Buffer, number>();
  /** spooled, not yet taken by ingest */
  readonly #inFlight = new Set<number>();
  readonly #stats = { appended: 0, commits: 0, segmentsDeleted: 0, tornLines: 0 };

  constructor(deps: SpoolDeps) {
    this.#deps = deps;
  }

  stats() {
    return { segments: this.#segments.length, inFlight: this.#inFlight.size, committedSeq: this.#committedSeq, ...this.#stats };
  }

  /** Messages spooled by an earlier run whose readings are not known to be stored. */
  recover(): SpooledMessage[] {
    mkdirSync(this.#deps.dir, { recursive: true });
    const files = readdirSync(this.#deps.dir).filter((f) => f.startsWith('seg-') && f.endsWith('.jsonl')).sort();
    const out: SpooledMessage[] = [];
    for (const f of files) {
      for (const line of readFileSync(join(this.#deps.dir, f), 'utf8').split('\n')) {
        if (!line) continue;
        try {
          out.push(JSON.parse(line) as SpooledMessage);
        } catch {
          this.#stats.tornLines++; // the tail of a write a crash cut short: never acknowledged
        }
      }
    }
    // the caller re-spools them under new sequence numbers as it replays them
    for (const f of files) unlinkSync(join(this.#deps.dir, f));
    return out;
  }

  /** Spools a message; `durable(seq)` tells when it is on disk. */
  append(topic: string, payload: Buffer, receivedAt: number): number {
    const seq = ++this.#seq;
    this.#pending.push({ seq, line: JSON.stringify({ topic, payload: payload.toString('base64'), receivedAt } satisfies SpooledMessage) });
    this.#bySeqPayload.set(payload, seq);
    this.#inFlight.add(seq);
    this.#stats.appended++;
    this.#timer ??= setTimeout(() => this.commit(), this.#deps.commitMs);
    return seq;
  }

  /** Ingest takes a message: returns its sequence (undefined when it was not spooled). */
  take(payload: Buffer): number | undefined {
    const seq = this.#bySeqPayload.get(payload);
    if (seq !== undefined) {
      this.#bySeqPayload.delete(payload);
      this.#inFlight.delete(seq);
    }
    return seq;
  }

  durable(seq: number): Promise<void> {
    if (seq <= this.#committedSeq) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  /** Writes and fsyncs what is pending (one group commit), then wakes the waiters. */
  commit(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length > 0) {
      const seg = this.#current();
      writeSync(seg.fd!, `${this.#pending.map((p) => p.line).join('\n')}\n`);
      fsyncSync(seg.fd!);
      seg.lines += this.#pending.length;
      seg.maxSeq = this.#pending[this.#pending.length - 1]!.seq;
      this.#committedSeq = Math.max(this.#committedSeq, seg.maxSeq);
      this.#pending = [];
      this.#stats.commits++;
    }
    const ready = this.#waiters.filter((w) => w.seq <= this.#committedSeq);
    this.#waiters = this.#waiters.filter((w) => w.seq > this.#committedSeq);
    for (const w of ready) w.resolve();
  }

  /**
   * Every message below `lowestUnstored` (the oldest sequence whose readings are not
   * yet stored) is done with: drop the segments that hold nothing newer.
   */
  release(lowestUnstored: number): void {
    let low = lowestUnstored;
    for (const s of this.#inFlight) low = Math.min(low, s); // spooled, not yet ingested
    const done = low - 1;
    const keep: Segment[] = [];
    for (const seg of this.#segments) {
      if (seg.lines > 0 && seg.maxSeq <= done) {
        if (seg.fd !== undefined) closeSync(seg.fd);
        unlinkSync(seg.path);
        this.#stats.segmentsDeleted++;
      } else keep.push(seg);
    }
    this.#segments = keep;
  }

  /** The next sequence number: everything below it has been appended. */
  get nextSeq(): number {
    return this.#seq + 1;
  }

  #current(): Segment {
    const last = this.#segments[this.#segments.length - 1];
    const full = last && (last.lines >= (this.#deps.segmentMessages ?? 100_000) || this.#deps.now() - last.openedAt >= (this.#deps.segmentAgeMs ?? 2_000));
    if (last && !full) return last;
    if (last?.fd !== undefined) {
      closeSync(last.fd);
      last.fd = undefined;
    }
    mkdirSync(this.#deps.dir, { recursive: true });
    const path = join(this.#deps.dir, `seg-${String(Date.now()).padStart(15, '0')}-${String(this.#next++).padStart(6, '0')}.jsonl`);
    const seg: Segment = { path, fd: openSync(path, 'a'), maxSeq: 0, lines: 0, openedAt: this.#deps.now() };
    this.#segments.push(seg);
    return seg;
  }

  close(): void {
    this.commit();
    for (const seg of this.#segments) {
      if (seg.fd !== undefined) closeSync(seg.fd);
      seg.fd = undefined;
    }
  }
}
