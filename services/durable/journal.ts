// An append-only JSON-lines journal, fsynced on every append, so what was written
// survives a kill -9. On open it is replayed line by line in fixed-size chunks
// (never read whole: a journal can outgrow Node's maximum string length, and
// a start must not fail with ERR_STRING_TOO_LONG); a torn last line (a crash
// mid-write) is skipped and reported. `compact` rewrites it atomically with the
// live records; `compactInBackground` does the same while the owner keeps
// appending, writing the snapshot asynchronously and swapping it in at once.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

const NEWLINE = 0x0a;
const CHUNK_BYTES = 1 << 20;
/** A line longer than this is not a record we wrote: skipped without being held whole. */
export const MAX_LINE_BYTES = 64 << 20;

export interface ReadLinesOptions {
  chunkBytes?: number;
  maxLineBytes?: number;
  /** called for each line skipped for its length (bytes) */
  onOversize?: (bytes: number) => void;
}

/**
 * The lines of a file, read `chunkBytes` at a time: memory holds one chunk and one
 * line, whatever the file's size. Lines are split on bytes before decoding, so a
 * multi-byte character across a chunk boundary is never cut. The last line is
 * yielded even without its newline (the caller decides whether it is whole).
 */
export function* readLines(path: string, opts: ReadLinesOptions = {}): Generator<string> {
  const chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
  const maxLine = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    let parts: Buffer[] = [];
    let partBytes = 0;
    let skipping = false; // inside an oversized line: drop bytes up to its newline
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) break;
      let start = 0;
      while (start < n) {
        const nl = buf.indexOf(NEWLINE, start);
        const end = nl === -1 || nl >= n ? n : nl;
        const len = end - start;
        if (!skipping && partBytes + len > maxLine) {
          skipping = true;
          parts = [];
        }
        if (skipping) partBytes += len;
        else if (len > 0) {
          parts.push(Buffer.from(buf.subarray(start, end))); // copied: buf is reused
          partBytes += len;
        }
        if (end === n) break; // the line goes on in the next chunk
        if (skipping) opts.onOversize?.(partBytes);
        else if (partBytes > 0) yield Buffer.concat(parts, partBytes).toString('utf8');
        parts = [];
        partBytes = 0;
        skipping = false;
        start = end + 1;
      }
    }
    if (skipping) opts.onOversize?.(partBytes);
    else if (partBytes > 0) yield Buffer.concat(parts, partBytes).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** When to compact while running: the journal is `ratio` times its live state and over `minBytes`. */
export interface CompactionPolicy {
  ratio: number;
  minBytes: number;
}
export const DEFAULT_COMPACTION: CompactionPolicy = { ratio: 4, minBytes: 4 << 20 };

export function compactionDue(journalBytes: number, liveBytes: number, p: CompactionPolicy = DEFAULT_COMPACTION): boolean {
  return journalBytes > p.minBytes && journalBytes > p.ratio * liveBytes;
}

/** Writes all of `text` (a short write, as on a full disk, is continued or throws). */
function writeAll(fd: number, text: string): number {
  const buf = Buffer.from(text, 'utf8');
  for (let off = 0; off < buf.length; ) {
    const n = writeSync(fd, buf, off, buf.length - off);
    if (n <= 0) throw new Error(`could not write to the journal (${buf.length - off} bytes left)`);
    off += n;
  }
  return buf.length;
}

/** Makes a rename durable (the directory entry), where the platform allows it. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    // some platforms (Windows) cannot open or fsync a directory; the rename itself stands
    if ((err as NodeJS.ErrnoException).code !== 'EISDIR' && (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export class Journal<T> {
  readonly path: string;
  #fd: number | undefined;
  /** lines that did not parse: a write cut short by a crash */
  tornLines = 0;
  /** lines skipped unread for being longer than MAX_LINE_BYTES */
  oversizeLines = 0;
  #bytes = 0;
  /** bumped by every rewrite and by close: a background compaction that sees it move gives up */
  #generation = 0;
  /** lines appended while a background compaction writes its snapshot */
  #tail: string[] | undefined;
  #compacting: Promise<void> | undefined;
  #unsynced = false;

  constructor(path: string) {
    this.path = path;
  }

  /** The journal's size in bytes, as far as this process has read, written and compacted it. */
  get bytes(): number {
    return this.#bytes;
  }

  get compacting(): boolean {
    return this.#compacting !== undefined;
  }

  /** Streams every record written so far, one line at a time. */
  *records(): Generator<T> {
    if (!existsSync(this.path)) return;
    this.#bytes = statSync(this.path).size;
    for (const line of readLines(this.path, { onOversize: () => this.oversizeLines++ })) {
      let record: T;
      try {
        record = JSON.parse(line) as T;
      } catch {
        this.tornLines++; // a write cut short by a crash: everything before it stands
        continue;
      }
      yield record;
    }
  }

  /** Reads every record written so far (for small journals; `records()` streams). */
  replay(): T[] {
    return [...this.records()];
  }

  /** Replaces the journal with these records (write to a temp file, fsync, rename). */
  compact(records: Iterable<T>): void {
    this.close();
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    let bytes = 0;
    try {
      let batch = '';
      for (const r of records) {
        batch += `${JSON.stringify(r)}\n`;
        if (batch.length < CHUNK_BYTES) continue;
        bytes += writeAll(fd, batch);
        batch = '';
      }
      if (batch) bytes += writeAll(fd, batch);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    fsyncDir(dirname(this.path));
    this.#bytes = bytes;
  }

  /**
   * Compacts without stopping appends: the records are serialised now (the one
   * synchronous step, proportional to the live state), written to a temp file
   * asynchronously, and then, in one synchronous step, whatever was appended
   * meanwhile is copied after them, fsynced, and the file renamed over the
   * journal. A crash at any point leaves either the old journal or the new one.
   * Resolves with the new size; a second call while one runs joins it.
   */
  compactInBackground(records: Iterable<T>): Promise<void> {
    if (this.#compacting) return this.#compacting;
    const lines: string[] = [];
    for (const r of records) lines.push(`${JSON.stringify(r)}\n`);
    const generation = this.#generation;
    const tail: string[] = [];
    this.#tail = tail;
    const tmp = `${this.path}.compacting`;
    const run = async () => {
      mkdirSync(dirname(this.path), { recursive: true });
      const fh = await open(tmp, 'w');
      let bytes = 0;
      try {
        let batch = '';
        for (const line of lines) {
          batch += line;
          if (batch.length < CHUNK_BYTES) continue;
          bytes += (await fh.write(batch)).bytesWritten;
          batch = '';
        }
        if (batch) bytes += (await fh.write(batch)).bytesWritten;
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (generation !== this.#generation) {
        unlinkSync(tmp); // closed or rewritten meanwhile: this snapshot is stale
        return;
      }
      // synchronous from here: no append can fall between the tail copy and the rename
      const fd = openSync(tmp, 'a');
      try {
        for (const line of tail) bytes += writeAll(fd, line);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
      fsyncDir(dirname(this.path));
      if (this.#fd !== undefined) closeSync(this.#fd);
      this.#fd = undefined; // the next append opens the new file
      this.#unsynced = false; // the tail went into the new file, fsynced
      this.#bytes = bytes;
    };
    this.#compacting = run()
      .catch((err: unknown) => {
        if (existsSync(tmp) && generation === this.#generation) unlinkSync(tmp);
        throw err;
      })
      .finally(() => {
        if (this.#tail === tail) this.#tail = undefined;
        this.#compacting = undefined;
      });
    return this.#compacting;
  }

  /** Waits for a background compaction, if one runs (its failure is the owner's to report). */
  async idle(): Promise<void> {
    await this.#compacting?.catch(() => undefined);
  }

  /**
   * Writes a record and, unless `sync` is false, fsyncs it. An unsynced record
   * already survives a kill -9 (it is in the kernel); `sync()` (or the next synced
   * append) makes it survive a power cut too, so an owner can write a burst of
   * changes it does not announce and fsync once before it announces one.
   */
  append(record: T, sync = true): void {
    if (this.#fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.#fd = openSync(this.path, 'a');
    }
    const line = `${JSON.stringify(record)}\n`;
    this.#bytes += writeAll(this.#fd, line);
    this.#tail?.push(line);
    this.#unsynced = true;
    if (sync) this.sync();
  }

  /** Fsyncs what was appended without it. */
  sync(): void {
    if (!this.#unsynced || this.#fd === undefined) return;
    fsyncSync(this.#fd);
    this.#unsynced = false;
  }

  close(): void {
    this.sync();
    this.#generation++;
    this.#tail = undefined;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
