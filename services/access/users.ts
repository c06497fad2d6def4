// People and service accounts: users with a role (a utility user bound to its
// utility), passwords and API tokens stored only as scrypt hashes (RFC 7914), in a
// fsynced journal (<dataDir>/access/users.jsonl) compacted at every start. The first
// start creates an admin whose password is printed once (or given by
// QALA_ADMIN_PASSWORD). An API token is `qala_<id>_<secret>`: the id finds its record
// without a scan, the secret is checked against the hash once and then, for the life
// of the process, against a SHA-256 of the token kept in memory, so a scrape every
// few seconds costs a hash, not a scrypt. Passwords are hashed at OWASP's scrypt
// minimum (credentials.ts PASSWORD_COST); a hash made at a lower cost by an older
// Qala still verifies (its cost is in the hash) and is made again at the current cost
// on the user's next successful login. Every scrypt here passes one HashGate.
// A token expires (QALA_TOKEN_DEFAULT_DAYS unless asked otherwise, at most
// QALA_TOKEN_MAX_DAYS): a token copied into a scraper's config and forgotten stops
// working by itself (GitHub's fine-grained tokens expire within 366 days by default,
// docs.github.com "Setting a personal access token policy for your organization").
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { UTILITIES } from '../../devices/index.ts';
import { QalaError, ROLES, type AccessChange, type Actor, type AuditSink, type Clock, type MqttLogin, type Principal, type Role, type TokenInfo, type UserInfo } from '../contracts/index.ts';
import { Journal } from '../durable/journal.ts';
import { PASSWORD_COST, SCRYPT, SECRET_COST, costOf, dummyHash, newSecret, weakerThan, type ScryptCost, type SecretHasher } from './credentials.ts';
import { HashGate } from './hash-gate.ts';

export type UserPrincipal = Extract<Principal, { type: 'user' }>;
/** An MQTT login of a user (contracts MqttLogin), by password or API token. */
export type UserLogin = MqttLogin & { principal: UserPrincipal; via: 'password' | 'token' };

export type { AccessChange, Actor, TokenInfo, UserInfo };

type Entry =
  | { t: 'user'; name: string; role: Role; utility?: string; hash: string; at: number; by: string }
  | { t: 'password'; name: string; hash: string; at: number; by: string }
  | { t: 'user-removed'; name: string; at: number; by: string }
  | { t: 'token'; id: string; user: string; label: string; hash: string; at: number; by: string; expiresAt?: number }
  | { t: 'token-revoked'; id: string; at: number; by: string };

interface User extends UserInfo {
  hash: string;
}
interface Token extends TokenInfo {
  hash: string;
}

export interface UserStoreDeps {
  dataDir: string;
  clock: Clock;
  log: Logger;
  audit: AuditSink;
  /** the first admin's password (QALA_ADMIN_PASSWORD); otherwise one is made and announced */
  adminPassword?: string;
  /** prints the first admin's one-time password (the CLI writes it to the terminal) */
  announce: (line: string) => void;
  maxUsers?: number;
  maxTokensPerUser?: number;
  /** bounds the scrypt hashes running and waiting at once (QALA_PASSWORD_HASH_CONCURRENCY, QALA_PASSWORD_HASH_QUEUE) */
  hashGate?: HashGate;
  /**
   * Tests only, never from configuration: a cheaper cost for people's passwords, so
   * suites that add many users over HTTP stay fast on a shared machine. Production
   * always uses PASSWORD_COST.
   */
  passwordCost?: ScryptCost;
  /** API tokens: the lifetime of one made without `expiresInDays`, and the longest allowed (days) */
  tokenDays?: { default: number; max: number };
  /** the KDF (credentials.ts SCRYPT); tests wrap it to count the work of a login */
  hasher?: SecretHasher;
}

/** What an API token gives: its user, or, for a right secret past its time, only that it expired. */
export type TokenCheck = { principal: UserPrincipal; tokenId: string; expiresAt: number } | { tokenId: string; user: string; expiredAt: number };

const DAY_MS = 86_400_000;

export const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;
export const FIRST_ADMIN = 'admin';
const TOKEN = /^qala_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** 20 characters from 32 unambiguous ones (100 bits), in groups of five: easy to type once. */
export function onetimePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const chars = Array.from({ length: 20 }, () => alphabet[randomInt(alphabet.length)]);
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

export class UserStore {
  readonly #deps: UserStoreDeps;
  readonly #journal: Journal<Entry>;
  readonly #users = new Map<string, User>();
  readonly #tokens = new Map<string, Token>();
  /** token id → SHA-256 of the whole token, once its secret passed scrypt */
  readonly #verified = new Map<string, Buffer>();
  readonly #listeners: ((change: AccessChange) => void)[] = [];
  /**
   * Checked against when the user is unknown, so a wrong name costs what a wrong
   * password does: one KDF at the current cost. Random bytes in a hash's form, so it
   * costs nothing to make (a real hash of a random secret cost every start, and then
   * the first unknown name, a second 128 MiB KDF that told it apart).
   */
  readonly #dummy: string;
  readonly #gate: HashGate;
  readonly #cost: ScryptCost;
  readonly #hasher: SecretHasher;

  constructor(deps: UserStoreDeps) {
    this.#deps = deps;
    this.#gate = deps.hashGate ?? new HashGate(2, 32);
    this.#cost = deps.passwordCost ?? PASSWORD_COST;
    this.#hasher = deps.hasher ?? SCRYPT;
    this.#dummy = dummyHash(this.#cost);
    this.#journal = new Journal<Entry>(join(deps.dataDir, 'access', 'users.jsonl'));
  }

  async start(): Promise<void> {
    // hashes only, but still nobody else's business
    mkdirSync(dirname(this.#journal.path), { recursive: true, mode: 0o700 });
    this.#users.clear();
    this.#tokens.clear();
    this.#verified.clear();
    for (const e of this.#journal.replay()) this.#apply(e);
    if (this.#journal.tornLines > 0) this.#deps.log.warn({ file: this.#journal.path, skipped: this.#journal.tornLines }, 'users journal: skipped a torn line');
    this.#expireLegacyTokens();
    this.#journal.compact(this.#liveEntries());
    if (this.#users.size === 0) await this.#createFirstAdmin();
  }

  async stop(): Promise<void> {
    this.#journal.close();
    this.#listeners.length = 0;
  }

  /** Called after a user is removed, changes password, or loses a token. */
  onChange(fn: (change: AccessChange) => void): void {
    this.#listeners.push(fn);
  }

  get size(): number {
    return this.#users.size;
  }

  /** For /health and /metrics: password checks running and waiting now, and refused since start (HashGate). */
  stats(): { passwordChecksRunning: number; passwordChecksWaiting: number; passwordChecksRefused: number } {
    // no count of users or tokens: /health is public
    return { passwordChecksRunning: this.#gate.running, passwordChecksWaiting: this.#gate.waiting, passwordChecksRefused: this.#gate.refused };
  }

  get(name: string): UserPrincipal | undefined {
    const u = this.#users.get(name);
    return u ? principalOf(u) : undefined;
  }

  list(): UserInfo[] {
    return [...this.#users.values()].map(info).sort((a, b) => a.name.localeCompare(b.name));
  }

  tokens(user?: string): TokenInfo[] {
    return [...this.#tokens.values()].filter((t) => !user || t.user === user).map(tokenInfo).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** A user by name and password; undefined for an unknown name or a wrong password alike. */
  async verifyPassword(name: string, password: string): Promise<UserPrincipal | undefined> {
    const u = this.#users.get(name);
    if (!u) {
      await this.#verify(password, this.#dummy);
      return undefined;
    }
    // A hash of an older, cheaper cost (or an unreadable one) is checked at its own cost,
    // which alone would answer a wrong password sooner than an unknown name does. Such a
    // check also does the current cost's work: against the dummy when the password is
    // wrong, as the re-hash below when it is right. So every name, known or not, costs one
    // KDF at the current cost; a name whose hash is still old costs its old KDF on top,
    // until its first good login re-hashes it (README: Access).
    const old = weakerThan(u.hash, this.#cost) || costOf(u.hash) === undefined;
    if (!(await this.#verify(password, u.hash))) {
      if (old) await this.#verify(password, this.#dummy);
      return undefined;
    }
    // removed, or given another password, while scrypt ran: the old one no longer counts
    const now = this.#users.get(name);
    if (!now || now.hash !== u.hash) return undefined;
    if (weakerThan(u.hash, this.#cost)) await this.#rehash(name, password, u.hash);
    return principalOf(now);
  }

  /**
   * A password hashed at a cost below the current one is hashed again now that we
   * have it in clear, and journalled as a password entry by the platform. Sessions and
   * connections stay: the password is the same, only its hash is stronger. A failure
   * (the gate full) leaves the old hash for the next login.
   */
  async #rehash(name: string, password: string, old: string): Promise<void> {
    try {
      const hash = await this.#gate.run(() => this.#hasher.hash(password, this.#cost));
      if (this.#users.get(name)?.hash !== old) return; // changed meanwhile: that one wins
      this.#commit({ t: 'password', name, hash, at: this.#deps.clock.now(), by: 'platform' });
      const was = old.split('$').slice(1, 4).join(',');
      this.#audit({ who: 'platform' }, 'user.rehash', { name, from: `scrypt N,r,p=${was}`, to: `scrypt N,r,p=${this.#cost.N},${this.#cost.r},${this.#cost.p}` });
    } catch (err) {
      this.#deps.log.warn({ err, user: name }, 'could not re-hash a password at the current cost; kept the old hash until the next login');
    }
  }

  #verify(secret: string, stored: string): Promise<boolean> {
    return this.#gate.run(() => this.#hasher.verify(secret, stored));
  }

  get tokenDays(): { default: number; max: number } {
    return this.#deps.tokenDays ?? { default: 90, max: 365 };
  }

  /**
   * The user an API token belongs to, with the token's id; for the right secret of a
   * token past its expiry, only that (so a client can be told to get a new one, while
   * a wrong secret learns nothing); undefined for anything else.
   */
  async verifyToken(token: string): Promise<TokenCheck | undefined> {
    const m = TOKEN.exec(token);
    if (!m) return undefined;
    const id = m[1]!;
    const t = this.#tokens.get(id);
    if (!t) return undefined;
    const digest = sha256(token);
    const known = this.#verified.get(id);
    if (known) {
      if (!timingSafeEqual(known, digest)) return undefined;
    } else {
      if (!(await this.#verify(m[2]!, t.hash))) return undefined;
      if (this.#tokens.get(id) !== t) return undefined; // revoked while scrypt ran
      this.#verified.set(id, digest);
    }
    const u = this.#users.get(t.user);
    if (!u) return undefined;
    if (this.#deps.clock.now() >= t.expiresAt) return { tokenId: id, user: t.user, expiredAt: t.expiresAt };
    return { principal: principalOf(u), tokenId: id, expiresAt: t.expiresAt };
  }

  /**
   * For MQTT logins of users: the user name with its password or one of its API tokens,
   * with what the login rests on (the token's id and expiry), so the broker can end the
   * connection when that ends.
   */
  async authenticate(name: string, secret: string): Promise<UserLogin | undefined> {
    if (TOKEN.test(secret)) {
      const r = await this.verifyToken(secret);
      return r && 'principal' in r && r.principal.name === name ? { principal: r.principal, via: 'token', tokenId: r.tokenId, expiresAt: r.expiresAt } : undefined;
    }
    const principal = await this.verifyPassword(name, secret);
    return principal ? { principal, via: 'password' } : undefined;
  }

  /** Adds a user; without a password one is made, and returned once. */
  async add(input: { name: string; role: Role; utility?: string; password?: string }, by: Actor): Promise<{ user: UserInfo; password: string }> {
    const { name, role, utility } = input;
    if (!USER_NAME.test(name)) throw new QalaError('ERR_BODY_INVALID', `name ${JSON.stringify(name)}: lowercase letters, digits, ".", "_" and "-", at most 64`);
    if (!(ROLES as readonly string[]).includes(role)) throw new QalaError('ERR_BODY_INVALID', `role ${JSON.stringify(role)}: one of ${ROLES.join(', ')}`);
    if (role === 'utility' && !(UTILITIES as readonly string[]).includes(utility ?? '')) {
      throw new QalaError('ERR_BODY_INVALID', `a utility user needs its utility, one of ${UTILITIES.join(', ')}`);
    }
    if (role !== 'utility' && utility !== undefined) throw new QalaError('ERR_BODY_INVALID', `only a utility user has a utility (role ${role})`);
    const password = input.password ?? onetimePassword();
    checkPassword(password);
    if (this.#users.has(name)) throw new QalaError('ERR_USER_EXISTS', `a user named ${JSON.stringify(name)} already exists`);
    const max = this.#deps.maxUsers ?? 10_000;
    if (this.#users.size >= max) throw new QalaError('ERR_LIMIT_REACHED', `users are limited to ${max}; remove one first`);
    const hash = await this.#gate.run(() => this.#hasher.hash(password, this.#cost));
    if (this.#users.has(name)) throw new QalaError('ERR_USER_EXISTS', `a user named ${JSON.stringify(name)} already exists`);
    const entry: Entry = { t: 'user', name, role, ...(role === 'utility' ? { utility } : {}), hash, at: this.#deps.clock.now(), by: by.who };
    this.#commit(entry);
    this.#audit(by, 'user.add', { name, role, ...(entry.utility ? { utility: entry.utility } : {}) });
    return { user: info(this.#users.get(name)!), password };
  }

  /** Removes a user and every token of theirs. The last admin stays. */
  remove(name: string, by: Actor): UserInfo {
    const u = this.#users.get(name);
    if (!u) throw new QalaError('ERR_USER_NOT_FOUND', `no user named ${JSON.stringify(name)}`);
    if (u.role === 'admin' && [...this.#users.values()].filter((x) => x.role === 'admin').length === 1) {
      throw new QalaError('ERR_LAST_ADMIN', `${name} is the last admin; add another admin before removing this one`);
    }
    this.#commit({ t: 'user-removed', name, at: this.#deps.clock.now(), by: by.who });
    this.#audit(by, 'user.remove', { name });
    this.#emit({ type: 'user-removed', user: name });
    return info(u);
  }

  async setPassword(name: string, password: string, by: Actor): Promise<void> {
    checkPassword(password);
    if (!this.#users.has(name)) throw new QalaError('ERR_USER_NOT_FOUND', `no user named ${JSON.stringify(name)}`);
    const hash = await this.#gate.run(() => this.#hasher.hash(password, this.#cost));
    if (!this.#users.has(name)) throw new QalaError('ERR_USER_NOT_FOUND', `no user named ${JSON.stringify(name)}`);
    this.#commit({ t: 'password', name, hash, at: this.#deps.clock.now(), by: by.who });
    this.#audit(by, 'user.password', { name });
    this.#emit({ type: 'password-changed', user: name });
  }

  /** A new API token for a user, with the user's role, valid `expiresInDays` (default QALA_TOKEN_DEFAULT_DAYS); the token is returned once. */
  async createToken(user: string, label: string, by: Actor, expiresInDays?: number): Promise<{ token: string; info: TokenInfo }> {
    const days = expiresInDays ?? this.tokenDays.default;
    if (!Number.isInteger(days) || days < 1 || days > this.tokenDays.max) {
      throw new QalaError('ERR_BODY_INVALID', `expiresInDays: a whole number of days from 1 to ${this.tokenDays.max} (QALA_TOKEN_MAX_DAYS), given ${days}`);
    }
    if (!this.#users.has(user)) throw new QalaError('ERR_USER_NOT_FOUND', `no user named ${JSON.stringify(user)}`);
    const max = this.#deps.maxTokensPerUser ?? 50;
    if (this.tokens(user).length >= max) throw new QalaError('ERR_LIMIT_REACHED', `a user has at most ${max} API tokens; revoke one first`);
    const id = randomBytes(8).toString('hex');
    const secret = newSecret();
    // a token's secret is 256 random bits: the cheaper cost of random secrets (credentials.ts)
    const hash = await this.#gate.run(() => this.#hasher.hash(secret, SECRET_COST));
    if (!this.#users.has(user)) throw new QalaError('ERR_USER_NOT_FOUND', `no user named ${JSON.stringify(user)}`);
    const at = this.#deps.clock.now();
    const expiresAt = at + days * DAY_MS;
    this.#commit({ t: 'token', id, user, label, hash, at, by: by.who, expiresAt });
    this.#audit(by, 'token.create', { id, user, label, expiresAt: new Date(expiresAt).toISOString() });
    return { token: `qala_${id}_${secret}`, info: tokenInfo(this.#tokens.get(id)!) };
  }

  revokeToken(id: string, by: Actor): TokenInfo {
    const t = this.#tokens.get(id);
    if (!t) throw new QalaError('ERR_TOKEN_NOT_FOUND', `no API token with id ${JSON.stringify(id)}`);
    this.#commit({ t: 'token-revoked', id, at: this.#deps.clock.now(), by: by.who });
    this.#audit(by, 'token.revoke', { id, user: t.user, label: t.label });
    this.#emit({ type: 'token-revoked', user: t.user, tokenId: id });
    return tokenInfo(t);
  }

  async #createFirstAdmin(): Promise<void> {
    const given = this.#deps.adminPassword;
    const password = given ?? onetimePassword();
    await this.add({ name: FIRST_ADMIN, role: 'admin', password }, { who: 'platform' });
    if (given) {
      this.#deps.log.warn({ user: FIRST_ADMIN }, 'first start: created user "admin" with the password of QALA_ADMIN_PASSWORD');
      this.#deps.announce(`First start: user "admin" created with the password given in QALA_ADMIN_PASSWORD.`);
    } else {
      // printed this once; only its hash is kept
      const line = `First start: user "admin" created with the one-time password ${password} (shown only now; change it at /api/me/password or in the dashboard)`;
      // the password goes to whoever started the platform, never into log files that get shipped and kept
      this.#deps.log.warn({ user: FIRST_ADMIN }, 'first start: user "admin" created with a one-time password, printed once on the terminal of `qala start`');
      this.#deps.announce(line);
    }
  }

  #commit(e: Entry): void {
    this.#journal.append(e);
    this.#apply(e);
  }

  #apply(e: Entry): void {
    switch (e.t) {
      case 'user':
        this.#users.set(e.name, { name: e.name, role: e.role, ...(e.utility ? { utility: e.utility } : {}), hash: e.hash, createdAt: e.at, createdBy: e.by });
        break;
      case 'password': {
        const u = this.#users.get(e.name);
        if (u) this.#users.set(e.name, { ...u, hash: e.hash });
        break;
      }
      case 'user-removed':
        this.#users.delete(e.name);
        for (const t of [...this.#tokens.values()]) if (t.user === e.name) this.#dropToken(t.id);
        break;
      case 'token':
        // expiresAt NaN for a token of a Qala before expiry: given one at start (#expireLegacyTokens)
        if (this.#users.has(e.user)) this.#tokens.set(e.id, { id: e.id, user: e.user, label: e.label, hash: e.hash, createdAt: e.at, createdBy: e.by, expiresAt: e.expiresAt ?? Number.NaN });
        break;
      case 'token-revoked':
        this.#dropToken(e.id);
        break;
    }
  }

  /**
   * Tokens made before tokens expired have no expiry in the journal. They get the
   * default lifetime counted from this start, written back by the compaction that
   * follows: counting from their creation would cut off, on the day of the upgrade,
   * every scraper whose token is older than the default, with no warning; leaving
   * them without an end would keep open exactly what expiry closes. The log and the
   * audit say which tokens, so their owners can replace them in time.
   */
  #expireLegacyTokens(): void {
    const legacy = [...this.#tokens.values()].filter((t) => Number.isNaN(t.expiresAt));
    if (legacy.length === 0) return;
    const expiresAt = this.#deps.clock.now() + this.tokenDays.default * DAY_MS;
    for (const t of legacy) {
      t.expiresAt = expiresAt;
      this.#audit({ who: 'platform' }, 'token.expiry-set', { id: t.id, user: t.user, label: t.label, expiresAt: new Date(expiresAt).toISOString(), reason: 'made before API tokens expired' });
    }
    this.#deps.log.warn({ tokens: legacy.map((t) => t.id), expiresAt: new Date(expiresAt).toISOString() }, `${legacy.length} API token(s) made before tokens expired now expire in ${this.tokenDays.default} days (QALA_TOKEN_DEFAULT_DAYS)`);
  }

  #dropToken(id: string): void {
    this.#tokens.delete(id);
    this.#verified.delete(id);
  }

  #liveEntries(): Entry[] {
    const users: Entry[] = [...this.#users.values()].map((u) => ({ t: 'user', name: u.name, role: u.role, ...(u.utility ? { utility: u.utility } : {}), hash: u.hash, at: u.createdAt, by: u.createdBy }));
    const tokens: Entry[] = [...this.#tokens.values()].map((t) => ({ t: 'token', id: t.id, user: t.user, label: t.label, hash: t.hash, at: t.createdAt, by: t.createdBy, expiresAt: t.expiresAt }));
    return [...users, ...tokens];
  }

  #audit(by: Actor, action: string, detail: Record<string, unknown>): void {
    this.#deps.audit.record({ who: by.who, action, outcome: 'ok', ...(by.from ? { from: by.from } : {}), detail });
  }

  #emit(change: AccessChange): void {
    for (const fn of this.#listeners) {
      try {
        fn(change);
      } catch (err) {
        this.#deps.log.error({ err, change }, 'an access-change listener failed');
      }
    }
  }
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new QalaError('ERR_BODY_INVALID', `a password has ${PASSWORD_MIN} to ${PASSWORD_MAX} characters (given ${password.length})`);
  }
}

const principalOf = (u: User): UserPrincipal => ({ type: 'user', name: u.name, role: u.role, ...(u.utility ? { utility: u.utility } : {}) });
const info = (u: User): UserInfo => ({ name: u.name, role: u.role, ...(u.utility ? { utility: u.utility } : {}), createdAt: u.createdAt, createdBy: u.createdBy });
const tokenInfo = (t: Token): TokenInfo => ({ id: t.id, user: t.user, label: t.label, createdAt: t.createdAt, createdBy: t.createdBy, expiresAt: t.expiresAt });
