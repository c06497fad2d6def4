// The audit log: who did what, when and from where (logins, incident actions, device
// provisioning, refused MQTT connects, publishes and subscribes, rule changes). JSON
// lines appended as they happen (the OS keeps them through a kill -9; fsynced every
// second for a power cut), rotated at a size limit with a fixed number of old files
// kept, so it is bounded on disk and survives restarts. Admins read it through the API.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AuditEntry, AuditSink, Clock, Timer } from '../contracts/index.ts';

export interface AuditLogDeps {
  dir: string;
  clock: Clock;
  log: Logger;
  /** rotate the current file past this size */
  maxBytes: number;
  /** rotated files kept (audit.1.jsonl is the newest) */
  files: number;
  syncMs?: number;
}

export interface AuditQuery {
  limit: number;
  since?: number;
  action?: string;
  who?: string;
}

export class AuditLog implements AuditSink {
  readonly #deps: AuditLogDeps;
  #fd: number | undefined;
  #size = 0;
  #dirty = false;
  #timer: Timer | undefined;
  readonly #stats = { recorded: 0, rotations: 0, writeErrors: 0 };

  constructor(deps: AuditLogDeps) {
    this.#deps = deps;
  }

  get #path(): string {
    return join(this.#deps.dir, 'audit.jsonl');
  }

  stats() {
    return { ...this.#stats, bytes: this.#size };
  }

  async start(): Promise<void> {
    mkdirSync(this.#deps.dir, { recursive: true, mode: 0o700 });
    this.#open();
    this.#timer = this.#deps.clock.setInterval(() => this.#sync(), this.#deps.syncMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#sync();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  record(entry: Omit<AuditEntry, 'at'>): void {
    const line = `${JSON.stringify({ at: this.#deps.clock.now(), ...entry } satisfies AuditEntry)}\n`;
    try {
      if (this.#fd === undefined) this.#open();
      if (this.#size + line.length > this.#deps.maxBytes && this.#size > 0) this.#rotate();
      const bytes = Buffer.from(line);
      for (let off = 0; off < bytes.length; ) off += writeSync(this.#fd!, bytes, off);
      this.#size += bytes.length;
      this.#dirty = true;
      this.#stats.recorded++;
    } catch (err) {
      // the audit never takes the platform down; the failure is logged and counted
      this.#stats.writeErrors++;
      this.#deps.log.error({ err, entry }, 'audit log write failed');
    }
  }

  /** Newest first, across the rotated files. */
  read(q: AuditQuery): AuditEntry[] {
    const out: AuditEntry[] = [];
    const paths = [this.#path, ...Array.from({ length: this.#deps.files }, (_, i) => join(this.#deps.dir, `audit.${i + 1}.jsonl`))];
    for (const p of paths) {
      if (!existsSync(p)) continue;
      const lines = readFileSync(p, 'utf8').split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        if (!lines[i]) continue;
        let e: AuditEntry;
        try {
          e = JSON.parse(lines[i]!) as AuditEntry;
        } catch {
          continue; // a line torn by a crash
        }
        if (q.since !== undefined && e.at < q.since) return out;
        if ((q.action && e.action !== q.action) || (q.who && e.who !== q.who)) continue;
        out.push(e);
        if (out.length >= q.limit) return out;
      }
    }
    return out;
  }

  #open(): void {
    this.#fd = openSync(this.#path, 'a', 0o600);
    this.#size = statSync(this.#path).size;
  }

  #rotate(): void {
    this.#sync();
    if (this.#fd !== undefined) closeSync(this.#fd);
    const dir = this.#deps.dir;
    rmSync(join(dir, `audit.${this.#deps.files}.jsonl`), { force: true });
    for (let i = this.#deps.files - 1; i >= 1; i--) {
      const from = join(dir, `audit.${i}.jsonl`);
      if (existsSync(from)) renameSync(from, join(dir, `audit.${i + 1}.jsonl`));
    }
    renameSync(this.#path, join(dir, 'audit.1.jsonl'));
    this.#stats.rotations++;
    this.#open();
  }

  #sync(): void {
    if (!this.#dirty || this.#fd === undefined) return;
    try {
      fsyncSync(this.#fd);
      this.#dirty = false;
    } catch (err) {
      this.#stats.writeErrors++;
      this.#deps.log.error({ err }, 'audit log fsync failed');
    }
  }
}
