// Dashboard sessions, held server-side: the browser keeps only a random 256-bit id in
// an HttpOnly cookie; the server keeps its SHA-256 (a stolen sessions file opens
// nothing) with the user and an absolute expiry (QALA_SESSION_TTL_MS from login, not
// sliding). Journalled in <dataDir>/access/sessions.jsonl so a restart does not sign
// the control room out; bounded in total and per user, the oldest going first.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock, Timer } from '../contracts/index.ts';
import { Journal } from '../durable/journal.ts';

export interface Session {
  /** SHA-256 of the id, hex: how the server names a session (in logs, for closing its sockets) */
  key: string;
  user: string;
  createdAt: number;
  expiresAt: number;
}

type Entry = { t: 'open'; key: string; user: string; createdAt: number; expiresAt: number } | { t: 'close'; key: string };

export interface SessionStoreDeps {
  dataDir: string;
  clock: Clock;
  log: Logger;
  ttlMs: number;
  maxSessions?: number;
  maxPerUser?: number;
}

const ID = /^[A-Za-z0-9_-]{43}$/;
export const sessionKey = (id: string): string => createHash('sha256').update(id).digest('hex');

export class SessionStore {
  readonly #deps: SessionStoreDeps;
  readonly #journal: Journal<Entry>;
  /** by key, oldest first (Map keeps insertion order) */
  readonly #sessions = new Map<string, Session>();
  #appended = 0;
  #timer: Timer | undefined;

  constructor(deps: SessionStoreDeps) {
    this.#deps = deps;
    this.#journal = new Journal<Entry>(join(deps.dataDir, 'access', 'sessions.jsonl'));
  }

  get ttlMs(): number {
    return this.#deps.ttlMs;
  }

  get size(): number {
    return this.#sessions.size;
  }

  async start(): Promise<void> {
    mkdirSync(dirname(this.#journal.path), { recursive: true, mode: 0o700 });
    this.#sessions.clear();
    for (const e of this.#journal.replay()) {
      if (e.t === 'open') this.#sessions.set(e.key, { key: e.key, user: e.user, createdAt: e.createdAt, expiresAt: e.expiresAt });
      else this.#sessions.delete(e.key);
    }
    this.#sweep();
    this.#compact();
    this.#timer = this.#deps.clock.setInterval(() => this.#sweep(), 60_000);
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#journal.close();
  }

  /** A new session for a user: the id goes in the cookie, and nowhere else. */
  create(user: string): { id: string; session: Session } {
    const now = this.#deps.clock.now();
    const id = randomBytes(32).toString('base64url');
    const session: Session = { key: sessionKey(id), user, createdAt: now, expiresAt: now + this.#deps.ttlMs };
    const perUser = [...this.#sessions.values()].filter((s) => s.user === user);
    for (const old of perUser.slice(0, Math.max(0, perUser.length - (this.#deps.maxPerUser ?? 20) + 1))) this.#close(old.key);
    for (const key of [...this.#sessions.keys()].slice(0, Math.max(0, this.#sessions.size - (this.#deps.maxSessions ?? 10_000) + 1))) this.#close(key);
    this.#sessions.set(session.key, session);
    this.#append({ t: 'open', ...session });
    return { id, session };
  }

  /** The live session of a cookie's id, or undefined (unknown, malformed, expired). */
  get(id: string): Session | undefined {
    if (!ID.test(id)) return undefined;
    const s = this.#sessions.get(sessionKey(id));
    if (!s) return undefined;
    if (s.expiresAt <= this.#deps.clock.now()) {
      this.#close(s.key);
      return undefined;
    }
    return s;
  }

  close(key: string): boolean {
    return this.#close(key);
  }

  /** Ends every session of a user (removed, new password), but `keep`. */
  closeUser(user: string, keep?: string): Session[] {
    const closed = [...this.#sessions.values()].filter((s) => s.user === user && s.key !== keep);
    for (const s of closed) this.#close(s.key);
    return closed;
  }

  #close(key: string): boolean {
    if (!this.#sessions.delete(key)) return false;
    this.#append({ t: 'close', key });
    return true;
  }

  #sweep(): void {
    const now = this.#deps.clock.now();
    let expired = 0;
    for (const s of [...this.#sessions.values()]) {
      if (s.expiresAt > now) continue;
      this.#sessions.delete(s.key);
      expired++;
    }
    // expired sessions need no close record: the rewrite below forgets them
    if (expired > 0 || this.#appended > 2 * this.#sessions.size + 100) this.#compact();
  }

  #append(e: Entry): void {
    this.#journal.append(e);
    this.#appended++;
    if (this.#appended > 2 * this.#sessions.size + 1000) this.#compact();
  }

  #compact(): void {
    this.#journal.compact([...this.#sessions.values()].map((s) => ({ t: 'open', ...s })));
    this.#appended = 0;
  }
}
