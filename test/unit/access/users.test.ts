import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PASSWORD_COST, SCRYPT, SECRET_COST, costOf, type SecretHasher } from '../../../services/access/credentials.ts';
import { HashGate } from '../../../services/access/hash-gate.ts';
import { UserStore, onetimePassword, type AccessChange, type UserStoreDeps } from '../../../services/access/users.ts';
import { ManualClock } from '../../../services/clock.ts';
import type { AuditEntry } from '../../../services/contracts/index.ts';
import { createLogger } from '../../../services/log.ts';
import { tempDir } from '../../helpers/platform.ts';

const T0 = Date.UTC(2026, 0, 15, 6);
const ADMIN_PW = 'first-admin-password-1';

/** cheap enough for a dozen stores; the production cost has its own test below */
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

async function store(dataDir: string, adminPassword?: string, extra: Partial<UserStoreDeps> = {}) {
  const audit: Omit<AuditEntry, 'at'>[] = [];
  const announced: string[] = [];
  const warned: string[] = [];
  const log = createLogger('silent', 'json');
  log.warn = ((_o: unknown, msg: string) => void warned.push(msg)) as typeof log.warn;
  const clock = extra.clock instanceof ManualClock ? extra.clock : new ManualClock(T0);
  const users = new UserStore({
    dataDir, clock, log, audit: { record: (e) => void audit.push(e) }, announce: (l) => void announced.push(l),
    ...(adminPassword ? { adminPassword } : {}), passwordCost: CHEAP, ...extra,
  });
  await users.start();
  return { users, audit, announced, warned, clock };
}

const by = { who: 'user:admin', from: '10.0.0.7' };
const DAY = 86_400_000;

describe('user store', () => {
  it('creates the first admin once, announcing a one-time password that logs in', async () => {
    const dir = await tempDir();
    const first = await store(dir);
    expect(first.announced).toHaveLength(1);
    const password = /one-time password (\S+)/.exec(first.announced[0]!)![1]!;
    expect(password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    expect(first.warned.some((w) => w.includes(password))).toBe(false); // the log never holds it
    expect(first.warned.some((w) => w.includes('one-time password'))).toBe(true);
    expect(await first.users.verifyPassword('admin', password)).toEqual({ type: 'user', name: 'admin', role: 'admin' });
    expect(readFileSync(join(dir, 'access', 'users.jsonl'), 'utf8')).not.toContain(password);
    expect(statSync(join(dir, 'access')).mode & 0o777).toBe(0o700);
    await first.users.stop();
    const again = await store(dir);
    expect(again.announced).toEqual([]);
    expect(await again.users.verifyPassword('admin', password)).toMatchObject({ name: 'admin' });
  });

  it('takes the first admin password from the config without printing it', async () => {
    const { users, announced, warned } = await store(await tempDir(), ADMIN_PW);
    expect(announced).toHaveLength(1);
    expect(announced[0]).not.toContain(ADMIN_PW);
    expect(warned.join()).not.toContain(ADMIN_PW);
    expect(await users.verifyPassword('admin', ADMIN_PW)).toMatchObject({ role: 'admin' });
  });

  it('refuses a wrong password and an unknown name alike', async () => {
    const { users } = await store(await tempDir(), ADMIN_PW);
    expect(await users.verifyPassword('admin', 'not-the-password')).toBeUndefined();
    expect(await users.verifyPassword('nobody', ADMIN_PW)).toBeUndefined();
    expect(await users.verifyPassword('Admin', ADMIN_PW)).toBeUndefined();
  });

  it('adds users with roles, a utility user bound to its utility, and keeps them across a restart', async () => {
    const dir = await tempDir();
    const { users, audit } = await store(dir, ADMIN_PW);
    const made = await users.add({ name: 'vodokanal', role: 'utility', utility: 'water' }, by);
    expect(made.user).toMatchObject({ name: 'vodokanal', role: 'utility', utility: 'water', createdBy: 'user:admin' });
    await users.add({ name: 'aigerim', role: 'operator', password: 'operator-password-1' }, by);
    expect(audit.filter((e) => e.action === 'user.add').map((e) => [e.who, e.from, e.detail?.name])).toEqual([
      ['platform', undefined, 'admin'], ['user:admin', '10.0.0.7', 'vodokanal'], ['user:admin', '10.0.0.7', 'aigerim'],
    ]);
    await users.stop();
    const again = await store(dir);
    expect(again.users.list().map((u) => `${u.name}:${u.role}${u.utility ? `/${u.utility}` : ''}`)).toEqual(['admin:admin', 'aigerim:operator', 'vodokanal:utility/water']);
    expect(await again.users.verifyPassword('vodokanal', made.password)).toEqual({ type: 'user', name: 'vodokanal', role: 'utility', utility: 'water' });
  });

  it('refuses a bad name, role, utility or password, a duplicate, and removing the last admin', async () => {
    const { users } = await store(await tempDir(), ADMIN_PW);
    await expect(users.add({ name: 'Bad Name', role: 'viewer' }, by)).rejects.toMatchObject({ code: 'ERR_BODY_INVALID' });
    await expect(users.add({ name: 'x', role: 'root' as 'admin' }, by)).rejects.toMatchObject({ code: 'ERR_BODY_INVALID' });
    await expect(users.add({ name: 'x', role: 'utility' }, by)).rejects.toMatchObject({ code: 'ERR_BODY_INVALID' });
    await expect(users.add({ name: 'x', role: 'viewer', utility: 'water' }, by)).rejects.toMatchObject({ code: 'ERR_BODY_INVALID' });
    await expect(users.add({ name: 'x', role: 'viewer', password: 'short' }, by)).rejects.toMatchObject({ code: 'ERR_BODY_INVALID' });
    await expect(users.add({ name: 'admin', role: 'viewer' }, by)).rejects.toMatchObject({ code: 'ERR_USER_EXISTS' });
    expect(() => users.remove('admin', by)).toThrow(expect.objectContaining({ code: 'ERR_LAST_ADMIN' }));
    expect(() => users.remove('ghost', by)).toThrow(expect.objectContaining({ code: 'ERR_USER_NOT_FOUND' }));
  });

  it('keeps the number of users bounded', async () => {
    const audit = { record: () => {} };
    const users = new UserStore({ dataDir: await tempDir(), clock: new ManualClock(T0), log: createLogger('silent', 'json'), audit, announce: () => {}, adminPassword: ADMIN_PW, maxUsers: 2, passwordCost: CHEAP });
    await users.start();
    await users.add({ name: 'one', role: 'viewer' }, by);
    await expect(users.add({ name: 'two', role: 'viewer' }, by)).rejects.toMatchObject({ code: 'ERR_LIMIT_REACHED' });
  });

  it('issues API tokens that act as their user, stores only their hash, and forgets a revoked one at once', async () => {
    const dir = await tempDir();
    const { users } = await store(dir, ADMIN_PW);
    const changes: AccessChange[] = [];
    users.onChange((c) => changes.push(c));
    await users.add({ name: 'prometheus', role: 'viewer' }, by);
    const { token, info } = await users.createToken('prometheus', 'scraper', by);
    expect(token).toMatch(/^qala_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(join(dir, 'access', 'users.jsonl'), 'utf8')).not.toContain(token.slice(22));
    expect(await users.verifyToken(token)).toEqual({ principal: { type: 'user', name: 'prometheus', role: 'viewer' }, tokenId: info.id, expiresAt: T0 + 90 * DAY });
    // checked again from the cache, and a token one character off still fails
    expect(await users.verifyToken(token)).toBeDefined();
    expect(await users.verifyToken(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(users.tokens('prometheus').map((t) => t.label)).toEqual(['scraper']);
    users.revokeToken(info.id, by);
    expect(await users.verifyToken(token)).toBeUndefined();
    expect(changes).toEqual([{ type: 'token-revoked', user: 'prometheus', tokenId: info.id }]);
    expect(() => users.revokeToken(info.id, by)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_NOT_FOUND' }));
    await users.stop();
    const again = await store(dir);
    expect(await again.users.verifyToken(token)).toBeUndefined();
  });

  it('authenticates MQTT logins of users by password or by one of their own tokens', async () => {
    const { users } = await store(await tempDir(), ADMIN_PW);
    await users.add({ name: 'recorder', role: 'engineer', password: 'engineer-password-1' }, by);
    await users.add({ name: 'other', role: 'viewer' }, by);
    const { token, info } = await users.createToken('recorder', 'qala record', by);
    expect(await users.authenticate('recorder', 'engineer-password-1')).toEqual({ principal: { type: 'user', name: 'recorder', role: 'engineer' }, via: 'password' });
    // a token login carries what it rests on: the broker ends the connection when the token ends
    expect(await users.authenticate('recorder', token)).toEqual({ principal: { type: 'user', name: 'recorder', role: 'engineer' }, via: 'token', tokenId: info.id, expiresAt: T0 + 90 * DAY });
    expect(await users.authenticate('other', token)).toBeUndefined();
    expect(await users.authenticate('recorder', 'wrong-password-12')).toBeUndefined();
  });

  it('drops a removed user and their tokens, and tells listeners', async () => {
    const dir = await tempDir();
    const { users } = await store(dir, ADMIN_PW);
    const changes: AccessChange[] = [];
    users.onChange((c) => changes.push(c));
    const { password } = await users.add({ name: 'temp', role: 'operator' }, by);
    const { token } = await users.createToken('temp', 't', by);
    users.remove('temp', by);
    expect(changes).toEqual([{ type: 'user-removed', user: 'temp' }]);
    expect(await users.verifyPassword('temp', password)).toBeUndefined();
    expect(await users.verifyToken(token)).toBeUndefined();
    // a new user of the same name inherits nothing
    await users.add({ name: 'temp', role: 'viewer' }, by);
    expect(await users.verifyToken(token)).toBeUndefined();
    expect(users.tokens('temp')).toEqual([]);
  });

  it('changes a password: the old one stops working', async () => {
    const { users } = await store(await tempDir(), ADMIN_PW);
    await users.setPassword('admin', 'a-brand-new-password', by);
    expect(await users.verifyPassword('admin', ADMIN_PW)).toBeUndefined();
    expect(await users.verifyPassword('admin', 'a-brand-new-password')).toMatchObject({ name: 'admin' });
  });

  it('skips a torn last line of its journal and keeps what came before', async () => {
    const dir = await tempDir();
    const first = await store(dir, ADMIN_PW);
    await first.users.add({ name: 'kept', role: 'viewer' }, by);
    await first.users.stop();
    appendFileSync(join(dir, 'access', 'users.jsonl'), '{"t":"user","name":"torn","ro');
    const again = await store(dir);
    expect(again.users.list().map((u) => u.name)).toEqual(['admin', 'kept']);
  });

  it('makes one-time passwords of 100 bits that differ', () => {
    const seen = new Set(Array.from({ length: 200 }, onetimePassword));
    expect(seen.size).toBe(200);
  });

  it("hashes people's passwords at OWASP's scrypt cost unless told otherwise, and API tokens at the random secrets' cost", async () => {
    const dir = await tempDir();
    const users = new UserStore({ dataDir: dir, clock: new ManualClock(T0), log: createLogger('silent', 'json'), audit: { record: () => {} }, announce: () => {}, adminPassword: ADMIN_PW });
    await users.start();
    await users.createToken('admin', 'scraper', by);
    const entries = journal(dir);
    expect(costOf(entries.find((e) => e.t === 'user')!.hash as string)).toEqual(PASSWORD_COST);
    expect(costOf(entries.find((e) => e.t === 'token')!.hash as string)).toEqual(SECRET_COST);
    await users.stop();
  });

  it('re-hashes a password made at a lower cost on the next good login, journalled by the platform, without ending anything', async () => {
    const dir = await tempDir();
    const old = await store(dir, ADMIN_PW);
    await old.users.add({ name: 'aigerim', role: 'operator', password: 'operator-password-1' }, by);
    await old.users.stop();
    const stronger = { N: 2 ** 11, r: 8, p: 1 };
    const { users, audit } = await store(dir, undefined, { passwordCost: stronger });
    const changes: AccessChange[] = [];
    users.onChange((c) => changes.push(c));
    // a wrong password changes nothing
    expect(await users.verifyPassword('aigerim', 'wrong-password-123')).toBeUndefined();
    expect(journal(dir).filter((e) => e.t === 'password')).toEqual([]);
    expect(await users.verifyPassword('aigerim', 'operator-password-1')).toMatchObject({ name: 'aigerim', role: 'operator' });
    const rehashed = journal(dir).filter((e) => e.t === 'password');
    expect(rehashed).toHaveLength(1);
    expect(rehashed[0]).toMatchObject({ name: 'aigerim', by: 'platform', at: T0 });
    expect(costOf(rehashed[0]!.hash as string)).toEqual(stronger);
    expect(audit.filter((e) => e.action === 'user.rehash')).toEqual([
      { who: 'platform', action: 'user.rehash', outcome: 'ok', detail: { name: 'aigerim', from: 'scrypt N,r,p=1024,8,1', to: 'scrypt N,r,p=2048,8,1' } },
    ]);
    // sessions and MQTT connections rest on 'password-changed': none is sent
    expect(changes).toEqual([]);
    // once is enough; and the new hash survives a restart
    expect(await users.verifyPassword('aigerim', 'operator-password-1')).toBeDefined();
    expect(journal(dir).filter((e) => e.t === 'password')).toHaveLength(1);
    await users.stop();
    const again = await store(dir, undefined, { passwordCost: stronger });
    expect(await again.users.verifyPassword('aigerim', 'operator-password-1')).toBeDefined();
    expect(journal(dir).filter((e) => e.t === 'password')).toHaveLength(0); // compacted into the user entry
    expect(costOf(journal(dir).find((e) => e.name === 'aigerim')!.hash as string)).toEqual(stronger);
  });

  it('never re-hashes down to a lower cost', async () => {
    const dir = await tempDir();
    const strong = await store(dir, ADMIN_PW, { passwordCost: { N: 2 ** 11, r: 8, p: 1 } });
    await strong.users.stop();
    const { users } = await store(dir);
    expect(await users.verifyPassword('admin', ADMIN_PW)).toBeDefined();
    expect(journal(dir).filter((e) => e.t === 'password')).toEqual([]);
  });

  it('refuses a password check with ERR_AUTH_BUSY while its gate is full, and checks again once it frees', async () => {
    const gate = new HashGate(1, 0);
    const { users } = await store(await tempDir(), ADMIN_PW, { hashGate: gate });
    const first = users.verifyPassword('admin', ADMIN_PW);
    await expect(users.verifyPassword('admin', ADMIN_PW)).rejects.toMatchObject({ code: 'ERR_AUTH_BUSY' });
    await expect(users.verifyPassword('nobody', ADMIN_PW)).rejects.toMatchObject({ code: 'ERR_AUTH_BUSY' });
    expect(await first).toMatchObject({ name: 'admin' });
    expect(await users.verifyPassword('admin', ADMIN_PW)).toMatchObject({ name: 'admin' });
  });
});

describe('API token expiry', () => {
  it('expires a token after the default days: valid until then, then only its right secret is told it expired', async () => {
    const { users, clock } = await store(await tempDir(), ADMIN_PW);
    await users.add({ name: 'prometheus', role: 'viewer' }, by);
    const { token, info } = await users.createToken('prometheus', 'scraper', by);
    expect(info).toMatchObject({ createdAt: T0, expiresAt: T0 + 90 * DAY });
    expect(users.tokens('prometheus')).toEqual([info]);
    clock.advance(90 * DAY - 1);
    expect(await users.verifyToken(token)).toMatchObject({ principal: { name: 'prometheus' } });
    expect(await users.authenticate('prometheus', token)).toMatchObject({ principal: { name: 'prometheus' } });
    clock.advance(1);
    expect(await users.verifyToken(token)).toEqual({ tokenId: info.id, user: 'prometheus', expiredAt: T0 + 90 * DAY });
    // a wrong secret for the same id learns nothing, and an MQTT login with the expired token is refused
    expect(await users.verifyToken(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(await users.authenticate('prometheus', token)).toBeUndefined();
    // still listed (so an admin sees what expired) until revoked
    expect(users.tokens('prometheus').map((t) => t.id)).toEqual([info.id]);
  });

  it('takes expiresInDays from 1 to the maximum, and refuses anything else naming QALA_TOKEN_MAX_DAYS', async () => {
    const { users, clock } = await store(await tempDir(), ADMIN_PW, { tokenDays: { default: 30, max: 60 } });
    const short = await users.createToken('admin', 'one day', by, 1);
    expect(short.info.expiresAt).toBe(T0 + DAY);
    expect((await users.createToken('admin', 'default', by)).info.expiresAt).toBe(T0 + 30 * DAY);
    expect((await users.createToken('admin', 'longest', by, 60)).info.expiresAt).toBe(T0 + 60 * DAY);
    for (const days of [0, -1, 61, 1.5, Number.NaN]) {
      await expect(users.createToken('admin', 'bad', by, days)).rejects.toMatchObject({ code: 'ERR_BODY_INVALID', message: expect.stringContaining('QALA_TOKEN_MAX_DAYS') });
    }
    expect(users.tokens('admin')).toHaveLength(3);
    clock.advance(DAY);
    expect(await users.verifyToken(short.token)).toMatchObject({ expiredAt: T0 + DAY });
  });

  it('keeps the expiry across a restart', async () => {
    const dir = await tempDir();
    const first = await store(dir, ADMIN_PW);
    const { token, info } = await first.users.createToken('admin', 'scraper', by, 7);
    await first.users.stop();
    const again = await store(dir, undefined, { clock: new ManualClock(T0 + 7 * DAY) });
    expect(again.users.tokens()).toEqual([info]);
    expect(await again.users.verifyToken(token)).toMatchObject({ expiredAt: T0 + 7 * DAY });
  });

  it('gives a token made before tokens expired the default lifetime from the first start that knows expiry, once, and says so', async () => {
    const dir = await tempDir();
    const first = await store(dir, ADMIN_PW);
    const { token, info } = await first.users.createToken('admin', 'old scraper', by);
    await first.users.stop();
    // the journal as an older Qala wrote it: no expiresAt
    const file = join(dir, 'access', 'users.jsonl');
    writeFileSync(file, journal(dir).map(({ expiresAt: _, ...e }) => JSON.stringify(e)).join('\n') + '\n');
    expect(readFileSync(file, 'utf8')).not.toContain('expiresAt');
    const upgradedAt = T0 + 200 * DAY; // older than the default: counting from creation would have cut it off today
    const up = await store(dir, undefined, { clock: new ManualClock(upgradedAt) });
    expect(up.users.tokens()).toEqual([{ ...info, expiresAt: upgradedAt + 90 * DAY }]);
    expect(await up.users.verifyToken(token)).toMatchObject({ principal: { name: 'admin' } });
    expect(up.audit.filter((e) => e.action === 'token.expiry-set')).toEqual([
      { who: 'platform', action: 'token.expiry-set', outcome: 'ok', detail: { id: info.id, user: 'admin', label: 'old scraper', expiresAt: new Date(upgradedAt + 90 * DAY).toISOString(), reason: 'made before API tokens expired' } },
    ]);
    expect(up.warned.some((w) => w.includes('1 API token(s) made before tokens expired'))).toBe(true);
    expect(journal(dir).find((e) => e.t === 'token')).toMatchObject({ id: info.id, expiresAt: upgradedAt + 90 * DAY });
    await up.users.stop();
    // written back: a later start does not push it further
    const later = await store(dir, undefined, { clock: new ManualClock(upgradedAt + 10 * DAY) });
    expect(later.users.tokens()[0]!.expiresAt).toBe(upgradedAt + 90 * DAY);
    expect(later.audit.filter((e) => e.action === 'token.expiry-set')).toEqual([]);
    later.clock.advance(80 * DAY);
    expect(await later.users.verifyToken(token)).toMatchObject({ expiredAt: upgradedAt + 90 * DAY });
  });
});

describe('a login costs the same work whether the name is known or not', () => {
  /** The real KDF, with every call written down as `verify@N,r,p` or `hash@N,r,p`. */
  function counting(): { hasher: SecretHasher; calls: string[] } {
    const calls: string[] = [];
    const at = (c: { N: number; r: number; p: number } | undefined) => (c ? `${c.N},${c.r},${c.p}` : 'unreadable');
    return {
      calls,
      hasher: {
        hash: (secret, cost) => (calls.push(`hash@${at(cost)}`), SCRYPT.hash(secret, cost)),
        verify: (secret, stored) => (calls.push(`verify@${at(costOf(stored))}`), SCRYPT.verify(secret, stored)),
      },
    };
  }
  const CURRENT = { N: 2 ** 11, r: 8, p: 1 };
  const now = `${CURRENT.N},8,1`;
  const old = `${CHEAP.N},8,1`;

  it('does one KDF at the current cost for an unknown name, the first and every later one, a wrong password and a right one', async () => {
    const { hasher, calls } = counting();
    const { users } = await store(await tempDir(), ADMIN_PW, { passwordCost: CURRENT, hasher });
    calls.length = 0; // the first admin's hash
    const work = async (name: string, password: string) => {
      calls.length = 0;
      await users.verifyPassword(name, password);
      return [...calls];
    };
    expect(await work('nobody', 'some-password-1')).toEqual([`verify@${now}`]);
    expect(await work('nobody-else', 'some-password-1')).toEqual([`verify@${now}`]);
    expect(await work('admin', 'wrong-password-1')).toEqual([`verify@${now}`]);
    expect(await work('admin', ADMIN_PW)).toEqual([`verify@${now}`]);
  });

  it('does the current cost\'s work for a user whose hash is still older and cheaper, wrong password or right (then re-hashed)', async () => {
    const dir = await tempDir();
    const before = await store(dir, ADMIN_PW); // CHEAP: the older cost
    await before.users.add({ name: 'aigerim', role: 'operator', password: 'operator-password-1' }, by);
    await before.users.stop();
    const { hasher, calls } = counting();
    const { users } = await store(dir, undefined, { passwordCost: CURRENT, hasher });
    const work = async (name: string, password: string) => {
      calls.length = 0;
      await users.verifyPassword(name, password);
      return [...calls];
    };
    const unknown = await work('nobody', 'operator-password-1');
    expect(unknown).toEqual([`verify@${now}`]);
    // its own (cheaper) check, then the current cost's: never less work than an unknown name
    expect(await work('aigerim', 'wrong-password-1')).toEqual([`verify@${old}`, `verify@${now}`]);
    expect(await work('aigerim', 'operator-password-1')).toEqual([`verify@${old}`, `hash@${now}`]);
    // re-hashed: from now on exactly what an unknown name costs
    expect(await work('aigerim', 'wrong-password-1')).toEqual(unknown);
    expect(await work('aigerim', 'operator-password-1')).toEqual(unknown);
  });
});

function journal(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'access', 'users.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}
