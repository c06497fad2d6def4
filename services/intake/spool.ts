// The intake spool: every admitted telemetry message is appended to a segment file
// and fsynced (group commit, every few ms) before its acknowledgement, so an
// acknowledged reading survives a kill -9 and a store outage. Messages are numbered
// in the order they were appended; the owner releases every number below the oldest
// message whose readings are not yet stored, and a segment holding only released
// messages is deleted. A crashed run's segments are read back at start.
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Clock, Timer } from '../contracts/index.ts';

/** One line of a segment file. */
export interface SpooledLine {
  topic: string;
  /** base64 of the payload bytes */
  payload: string;
  receivedAt: number;
}

export interface SpooledMessage {
  seq: number;
  topic: string;
  payload: Buffer;
  receivedAt: number;
}

interface Segment {
  path: string;
  fd: number | undefined;
  /** the number of its first message */
  firstSeq: number;
  maxSeq: number;
  lines: number;
  /** bytes of whole, fsynced lines: a failed commit is cut back to this */
  bytes: number;
  openedAt: number;
}

export interface SpoolDeps {
  dir: string;
  commitMs: number;
  clock: Clock;
  /** rotate the current segment after this many messages or this age */
  segmentMessages?: number;
  segmentAgeMs?: number;
  /** told when a group commit fails (disk full, I/O error); it is retried, nothing is acknowledged meanwhile */
  onCommitError?: (err: Error) => void;
  /** told when commits succeed again after failing, with how long they failed */
  onRecovered?: (failedForMs: number) => void;
}

const MARKER = 'released.json';
const MARKER_MS = 100;

export class Spool {
  readonly #deps: SpoolDeps;
  #segments: Segment[] = [];
  #pending: { seq: number; line: string }[] = [];
  #seq = 0;
  #committedSeq = 0;
  #waiters: { seq: number; resolve: () => void }[] = [];
  #timer: Timer | undefined;
  #next = 0;
  /** how far into the oldest kept segment its messages are stored, written now and then to `released.json` */
  #marker: { segment: string; done: number } | undefined;
  #markerWritten: string | undefined;
  #markerTimer: Timer | undefined;
  /** every message numbered below this has its readings stored */
  #releasedBelow = 0;
  readonly #stats = { appended: 0, commits: 0, commitErrors: 0, segmentsDeleted: 0, tornLines: 0, recovered: 0, lastError: null as string | null, failingSince: null as number | null };

  constructor(deps: SpoolDeps) {
    this.#deps = deps;
  }

  stats() {
    return { segments: this.#segments.length, committedSeq: this.#committedSeq, pending: this.#pending.length, ...this.#stats };
  }

  /** True while group commits fail (a full disk, no file descriptors): nothing is acknowledged meanwhile. */
  get failing(): boolean {
    return this.#stats.failingSince !== null;
  }

  /**
   * Messages spooled by an earlier run whose readings are not known to be stored,
   * numbered as the first messages of this run. Their segments stay until released.
   */
  recover(): SpooledMessage[] {
    mkdirSync(this.#deps.dir, { recursive: true });
    const files = readdirSync(this.#deps.dir).filter((f) => f.startsWith('seg-') && f.endsWith('.jsonl')).sort();
    const marker = this.#readMarker();
    const out: SpooledMessage[] = [];
    for (const f of files) {
      const path = join(this.#deps.dir, f);
      let lines = 0;
      // the messages of the oldest segment that the last run had already stored
      let skip = marker?.segment === f ? marker.done : 0;
      const firstSeq = this.#seq + 1;
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line) continue;
        if (skip > 0) {
          // stored: numbered (so the segment's numbering matches its lines) but not replayed
          skip--;
          this.#seq++;
          lines++;
          continue;
        }
        try {
          const m = JSON.parse(line) as SpooledLine;
          out.push({ seq: ++this.#seq, topic: m.topic, payload: Buffer.from(m.payload, 'base64'), receivedAt: m.receivedAt });
          lines++;
        } catch {
          this.#stats.tornLines++; // the tail of a write a crash cut short: never acknowledged
        }
      }
      if (lines === 0) unlinkSync(path);
      else this.#segments.push({ path, fd: undefined, firstSeq, maxSeq: this.#seq, lines, bytes: statSync(path).size, openedAt: 0 });
    }
    this.#committedSeq = this.#seq;
    this.#stats.recovered += out.length;
    return out;
  }

  /** Spools a message; `durable(seq)` tells when it is on disk. */
  append(topic: string, payload: Buffer, receivedAt: number): number {
    const seq = ++this.#seq;
    this.#pending.push({ seq, line: JSON.stringify({ topic, payload: payload.toString('base64'), receivedAt } satisfies SpooledLine) });
    this.#stats.appended++;
    this.#timer ??= this.#deps.clock.setTimeout(() => this.commit(), this.#deps.commitMs);
    return seq;
  }

  durable(seq: number): Promise<void> {
    if (seq <= this.#committedSeq) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  /** Writes and fsyncs what is pending (one group commit), then wakes the waiters. */
  commit(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#pending.length > 0) {
      try {
        this.#write();
      } catch (err) {
        // nothing is acknowledged until the write succeeds; the devices wait and retry
        this.#stats.commitErrors++;
        this.#stats.lastError = (err as Error).message;
        this.#stats.failingSince ??= this.#deps.clock.now();
        this.#deps.onCommitError?.(err as Error);
        this.#timer = this.#deps.clock.setTimeout(() => this.commit(), Math.max(100, this.#deps.commitMs));
        return;
      }
      if (this.#stats.failingSince !== null) this.#deps.onRecovered?.(this.#deps.clock.now() - this.#stats.failingSince);
      this.#stats.failingSince = null;
      this.#stats.lastError = null;
    }
    const ready = this.#waiters.filter((w) => w.seq <= this.#committedSeq);
    this.#waiters = this.#waiters.filter((w) => w.seq > this.#committedSeq);
    for (const w of ready) w.resolve();
  }

  #write(): void {
    const seg = this.#current();
    const firstInCommit = this.#pending[0]!.seq;
    const bytes = Buffer.from(`${this.#pending.map((p) => p.line).join('\n')}\n`);
    try {
      // writeSync may write less than asked (a full disk): write the rest, or throw
      for (let off = 0; off < bytes.length; ) off += writeSync(seg.fd!, bytes, off);
      fsyncSync(seg.fd!);
    } catch (err) {
      this.#cutBack(seg);
      throw err;
    }
    seg.bytes += bytes.length;
    if (seg.lines === 0) seg.firstSeq = this.#pending[0]!.seq;
    seg.lines += this.#pending.length;
    seg.maxSeq = this.#pending[this.#pending.length - 1]!.seq;
    this.#committedSeq = Math.max(this.#committedSeq, seg.maxSeq);
    this.#pending = [];
    this.#stats.commits++;
    // some of these messages were stored before they reached the disk: note it now
    if (this.#releasedBelow > firstInCommit) this.#note(true);
  }

  /**
   * A commit that failed half-way leaves part of a line at the segment's end; the retry
   * must not append whole lines after it (recovery would read the joined line as torn
   * and lose the message behind it, or count lines wrongly against released.json). So
   * the file is cut back to its last whole line; if even that fails, the segment is
   * abandoned (its torn tail is then its last line, harmless) and the retry opens a new one.
   */
  #cutBack(seg: Segment): void {
    try {
      ftruncateSync(seg.fd!, seg.bytes);
    } catch {
      try {
        closeSync(seg.fd!);
      } catch {
        // the descriptor is gone either way
      }
      seg.fd = undefined;
      if (seg.lines === 0) {
        this.#segments = this.#segments.filter((s) => s !== seg);
        try {
          unlinkSync(seg.path);
        } catch {
          // an empty file; recovery skips a segment with no whole line
        }
      }
    }
  }

  /**
   * Every message numbered below `lowestUnstored` is done with: drop the segments that
   * hold nothing newer. `noteNow` writes the note of how far the oldest segment is done
   * at once (after the store took a batch), instead of within MARKER_MS.
   */
  release(lowestUnstored: number, noteNow = false): void {
    const keep: Segment[] = [];
    for (const seg of this.#segments) {
      if (seg.lines > 0 && seg.maxSeq < lowestUnstored) {
        if (seg.fd !== undefined) closeSync(seg.fd);
        unlinkSync(seg.path);
        this.#stats.segmentsDeleted++;
      } else keep.push(seg);
    }
    this.#segments = keep;
    this.#releasedBelow = Math.max(this.#releasedBelow, lowestUnstored);
    this.#note(noteNow);
  }

  /**
   * Notes how far into the oldest segment the messages are stored, so a restart does
   * not replay what is stored already: a duplicate can only come from a crash between
   * the store's commit and this note. A message can be stored before its group commit
   * reaches the disk, so the note is also made after a commit.
   */
  #note(now: boolean): void {
    const oldest = this.#segments.find((seg) => seg.lines > 0);
    const done = oldest ? Math.max(0, Math.min(oldest.lines, this.#releasedBelow - oldest.firstSeq)) : 0;
    this.#marker = oldest && done > 0 ? { segment: basename(oldest.path), done } : undefined;
    if (now) this.#writeMarker();
    else this.#markerTimer ??= this.#deps.clock.setTimeout(() => this.#writeMarker(), MARKER_MS);
  }

  #readMarker(): { segment: string; done: number } | undefined {
    try {
      const m = JSON.parse(readFileSync(join(this.#deps.dir, MARKER), 'utf8')) as { segment?: unknown; done?: unknown };
      return typeof m.segment === 'string' && Number.isInteger(m.done) ? { segment: m.segment, done: m.done as number } : undefined;
    } catch {
      return undefined; // none, or torn: replay whole segments (duplicates, never losses)
    }
  }

  #writeMarker(): void {
    this.#markerTimer?.cancel();
    this.#markerTimer = undefined;
    const text = JSON.stringify(this.#marker ?? {});
    if (text === this.#markerWritten) return;
    try {
      const path = join(this.#deps.dir, MARKER);
      writeFileSync(`${path}.tmp`, text);
      renameSync(`${path}.tmp`, path);
      this.#markerWritten = text;
    } catch (err) {
      this.#deps.onCommitError?.(err as Error);
    }
  }

  /** The number the next appended message gets: everything below it has been appended. */
  get nextSeq(): number {
    return this.#seq + 1;
  }

  #current(): Segment {
    const last = this.#segments[this.#segments.length - 1];
    const now = this.#deps.clock.now();
    const full = !last || last.fd === undefined || last.lines >= (this.#deps.segmentMessages ?? 100_000) || now - last.openedAt >= (this.#deps.segmentAgeMs ?? 2_000);
    if (last && !full) return last;
    if (last?.fd !== undefined) {
      closeSync(last.fd);
      last.fd = undefined;
    }
    mkdirSync(this.#deps.dir, { recursive: true });
    let path: string;
    // never append to a segment of an earlier run (a test clock may repeat a time)
    do path = join(this.#deps.dir, `seg-${String(now).padStart(15, '0')}-${String(this.#next++).padStart(6, '0')}.jsonl`);
    while (existsSync(path));
    const seg: Segment = { path, fd: openSync(path, 'a'), firstSeq: 0, maxSeq: 0, lines: 0, bytes: 0, openedAt: now };
    this.#segments.push(seg);
    return seg;
  }

  close(): void {
    this.commit();
    this.#writeMarker();
    this.#timer?.cancel();
    this.#timer = undefined;
    for (const seg of this.#segments) {
      if (seg.fd !== undefined) closeSync(seg.fd);
      seg.fd = undefined;
    }
  }
}
