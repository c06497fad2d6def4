// An append-only JSON-lines journal, fsynced on every append, so what was written
// survives a kill -9. On open it is replayed; a torn last line (a crash mid-write)
// is skipped and reported. `compact` rewrites it atomically with the live records.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class Journal<T> {
  readonly path: string;
  #fd: number | undefined;
  tornLines = 0;

  constructor(path: string) {
    this.path = path;
  }

  /** Reads every record written so far. */
  replay(): T[] {
    if (!existsSync(this.path)) return [];
    const out: T[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        this.tornLines++; // a write cut short by a crash: everything before it stands
      }
    }
    return out;
  }

  /** Replaces the journal with these records (write to a temp file, fsync, rename). */
  compact(records: readonly T[]): void {
    this.close();
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }

  append(record: T): void {
    if (this.#fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.#fd = openSync(this.path, 'a');
    }
    writeSync(this.#fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.#fd);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
