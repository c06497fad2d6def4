// The HTTP side of the trust boundary, attacked as a hostile page or client would:
// cross-site requests and websocket upgrades, login brute force from one address and
// against one name (real sockets from several loopback addresses), made-up cookies
// and tokens of every shape, and logins that end (sign-out, expiry, revocation,
// removal, a new password) taking their websockets with them.
import fc from 'fast-check';
import { request } from 'node:http';
import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { clockWithNow } from '../../services/clock.ts';
import type { AuditEntry, Incident, RuleSignal } from '../../services/contracts/index.ts';
import { createLogger } from '../../services/log.ts';
import { createPlatform, type Platform } from '../../services/platform.ts';
import type { Config } from '../../services/config.ts';
import { TEST_ADMIN_PASSWORD, TEST_PASSWORD, baseUrl, client, login, loginAs, openWs, tokenFor, type Login } from '../helpers/auth.ts';
import { TEST_PASSWORD_COST, startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { hold } from '../helpers/resources.ts';
import { holdThreadPool } from '../helpers/thread-pool.ts';
import WebSocket from 'ws';
import { waitFor } from '../helpers/wait.ts';

const ALLOWED = 'https://control.example.kz';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One HTTP request from a chosen loopback address (127.0.0.x), headers exactly as given. */
function send(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string; from?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers ?? {}, ...(opts.from ? { localAddress: opts.from } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const loginFrom = (port: number, from: string, name: string, password: string) =>
  send(port, { method: 'POST', path: '/api/login', from, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });

function raise(platform: Platform, asset: string): Incident {
  const signal: RuleSignal = {
    type: 'raised', ruleId: 'water-test', title: 'water fault', severity: 'major', autoResolve: false, asset, district: 'old-town', subsystem: 'utilities',
    utility: 'water', kind: 'water-pressure', devices: [asset], evidence: [{ deviceId: asset, ts: 0, metrics: { pressure: 1 } }], at: Date.UTC(2026, 0, 15), flaps: 0,
  };
  platform.events.emit('ruleSignalled', signal);
  return platform.incidents.list({ state: 'open' }).find((i) => i.asset === asset)!;
}

/** A platform built here (for a clock or an announce of our own), stopped when the test ends. */
async function ownPlatform(config: Config, deps: Partial<Parameters<typeof createPlatform>[0]> = {}): Promise<Platform> {
  const platform = createPlatform({ config, log: createLogger('silent', 'json'), passwordCost: TEST_PASSWORD_COST, ...deps });
  hold(`platform on ${config.dataDir}`, () => platform.stop());
  await platform.start();
  return platform;
}

const codeOf = (a: Answer) => (JSON.parse(a.body) as { error: { code: string } }).error.code;

describe('cross-site requests', () => {
  let platform: Platform;
  let op: Login;
  let port: number;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir(), { allowedOrigins: ALLOWED }));
    port = platform.httpPort;
    op = await loginAs(platform, 'operator');
  });

  const ack = (id: string, headers: Record<string, string>) =>
    send(port, { method: 'POST', path: `/api/incidents/${id}/acknowledge`, headers: { ...op.headers, 'content-type': 'application/json', ...headers }, body: '{}' });

  it("refuses a POST from another site's page even with a valid session, and audits it", async () => {
    const inc = raise(platform, 'wp-csrf-1');
    const hostile: Record<string, string>[] = [{ origin: 'https://evil.example' }, { origin: 'null' }, { origin: `http://localhost:${port}` }, { 'sec-fetch-site': 'cross-site' }];
    for (const headers of hostile) {
      const a = await ack(inc.id, headers);
      expect(a.status, JSON.stringify(headers)).toBe(403);
      expect(codeOf(a)).toBe('ERR_ORIGIN_REFUSED');
    }
    expect(platform.incidents.get(inc.id).state).toBe('open');
    const admin = await loginAs(platform, 'admin');
    const audit = (await (await client(platform, admin)('/api/audit?action=origin.refused')).json()) as { entries: AuditEntry[] };
    expect(audit.entries.length).toBe(4);
    expect(audit.entries.at(-1)).toMatchObject({ who: `user:${op.name}`, outcome: 'refused', from: '127.0.0.1', detail: { reason: 'origin "https://evil.example"', path: '/api/incidents/:id/acknowledge' } });
  });

  it("refuses a login posted from another site's page (login CSRF)", async () => {
    const a = await send(port, { method: 'POST', path: '/api/login', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify({ name: 'admin', password: TEST_ADMIN_PASSWORD }) });
    expect(a.status).toBe(403);
    expect(a.headers['set-cookie']).toBeUndefined();
  });

  it("accepts the dashboard's own origin, a configured one, and clients that send none", async () => {
    const friendly: Record<string, string>[] = [{ origin: `http://127.0.0.1:${port}` }, { origin: ALLOWED }, {}, { 'sec-fetch-site': 'same-origin' }];
    for (const headers of friendly) {
      const inc = raise(platform, `wp-ok-${Object.values(headers).join('') || 'none'}`);
      expect((await ack(inc.id, headers)).status, JSON.stringify(headers)).toBe(200);
    }
  });

  it('refuses a websocket upgrade of /live and /mqtt from another origin, with a valid session', async () => {
    for (const path of ['/live', '/mqtt']) {
      const url = `ws://127.0.0.1:${port}${path}`;
      expect((await openWs(url, op.headers, 'https://evil.example')).status, path).toBe(403);
      expect((await openWs(url, op.headers, 'null')).status, path).toBe(403);
      for (const origin of [`http://127.0.0.1:${port}`, ALLOWED]) {
        const ok = await openWs(url, op.headers, origin);
        expect(ok.status, `${path} from ${origin}`).toBeUndefined();
        ok.ws!.terminate();
      }
    }
  });

  it('closes the connection of a refused upgrade once it has answered', async () => {
    const socket = connect(port, '127.0.0.1');
    hold('raw socket', () => socket.destroy());
    let text = '';
    let ended = false;
    socket.on('data', (d) => (text += d.toString()));
    socket.on('end', () => (ended = true));
    socket.on('close', () => (ended = true));
    socket.write(`GET /live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: https://evil.example\r\n\r\n`);
    await waitFor(() => ended, 'the server to close the refused upgrade');
    expect(text).toMatch(/^HTTP\/1\.1 403/);
  });
});

describe('login brute force', () => {
  let platform: Platform;
  let port: number;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir(), { loginAttemptsPerMinute: 3 }));
    port = platform.httpPort;
    for (const name of ['daniyar', 'saule']) await platform.users.add({ name, role: 'viewer', password: TEST_PASSWORD }, { who: 'test' });
  });

  it('locks a user name after its failed logins from any address, even with the right password, with 429 and Retry-After', async () => {
    for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) expect((await loginFrom(port, from, 'daniyar', 'a-wrong-guess-99')).status).toBe(401);
    const locked = await loginFrom(port, '127.0.0.5', 'daniyar', TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(codeOf(locked)).toBe('ERR_RATE_LIMITED');
    const retry = Number(locked.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(locked.headers['set-cookie']).toBeUndefined();
    // the same address may still log in as someone else
    expect((await loginFrom(port, '127.0.0.5', 'saule', TEST_PASSWORD)).status).toBe(200);
    const audit = platform.audit.read({ limit: 10, action: 'login', who: 'user:daniyar' });
    expect(audit.map((e) => e.outcome)).toEqual(['refused', 'failed', 'failed', 'failed']);
    expect(audit.map((e) => e.from)).toEqual(['127.0.0.5', '127.0.0.4', '127.0.0.3', '127.0.0.2']);
  });

  it('locks an address after its failed logins under any names, and only that address', async () => {
    for (const name of ['a1', 'a2', 'a3']) expect((await loginFrom(port, '127.0.0.6', name, 'a-wrong-guess-99')).status).toBe(401);
    const locked = await loginFrom(port, '127.0.0.6', 'saule', TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await loginFrom(port, '127.0.0.7', 'saule', TEST_PASSWORD)).status).toBe(200);
  });

  it('counts bad API tokens against the address too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await send(port, { path: '/api/me', from: '127.0.0.8', headers: { authorization: `Bearer qala_0123456789abcdef_${'x'.repeat(43)}` } })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect((await send(port, { path: '/api/me', from: '127.0.0.9', headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });
});

describe('login flood', () => {
  it("refuses logins past the password checks it can run at once with 503 ERR_AUTH_BUSY and Retry-After, and serves the rest", async () => {
    const dir = await tempDir();
    const platform = await startPlatform(testConfig(dir, { passwordHashConcurrency: 1, passwordHashQueue: 0 }));
    const port = platform.httpPort;
    // The one check allowed is held in flight, not raced against the clock: libuv's pool is
    // held, so the first login's scrypt is queued (and counted running by the gate) until
    // the five others, arriving meanwhile, have been refused.
    const checks = () => platform.health().access as { passwordChecksRunning: number; passwordChecksRefused: number };
    const pool = holdThreadPool(dir);
    const first = loginFrom(port, '127.0.1.1', 'admin', TEST_ADMIN_PASSWORD);
    await waitFor(() => checks().passwordChecksRunning === 1, 'the first password check to be running');
    const others = Array.from({ length: 5 }, (_, i) => loginFrom(port, `127.0.1.${i + 2}`, 'admin', TEST_ADMIN_PASSWORD));
    await waitFor(() => checks().passwordChecksRefused === 5, 'the five other logins to be refused');
    await pool.release();
    const served = await first;
    const busy = await Promise.all(others);
    expect(served.status).toBe(200);
    for (const a of busy) {
      expect(a.status).toBe(503);
      expect(codeOf(a)).toBe('ERR_AUTH_BUSY');
      expect(a.headers['retry-after']).toBe('1');
    }
    expect(platform.health().access).toMatchObject({ passwordChecksRefused: 5, passwordChecksRunning: 0, passwordChecksWaiting: 0 });
    const metrics = await client(platform, { name: 'admin', role: 'admin', headers: { cookie: (await login(baseUrl(platform), 'admin', TEST_ADMIN_PASSWORD)).headers.cookie! } })('/metrics');
    expect(await metrics.text()).toContain('qala_password_checks_refused_total 5');
    // a refusal for load is no failed guess: the address and the name are not locked
    expect((await loginFrom(port, '127.0.1.2', 'admin', TEST_ADMIN_PASSWORD)).status).toBe(200);
  });
});

describe('behind a reverse proxy', () => {
  const PROXY = '127.0.2.1';
  const xff = (port: number, from: string, forwardedFor: string, password = 'a-wrong-guess-99') =>
    send(port, { method: 'POST', path: '/api/login', from, headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor }, body: JSON.stringify({ name: `nobody-${forwardedFor.replace(/\W/g, '')}`, password }) });
  const fromOf = (platform: Platform, n: number) => platform.audit.read({ limit: n, action: 'login' }).map((e) => e.from);

  it('ignores X-Forwarded-For by default: a forged header changes neither the limiter key nor the audited address', async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { loginAttemptsPerMinute: 3 }));
    const port = platform.httpPort;
    const statuses: number[] = [];
    for (const client of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']) statuses.push((await xff(port, '127.0.2.9', client)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(fromOf(platform, 4)).toEqual(['127.0.2.9', '127.0.2.9', '127.0.2.9', '127.0.2.9']);
  });

  it("believes a trusted proxy's X-Forwarded-For, and only its: clients behind it are limited apart, a direct peer still by its own address", async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { loginAttemptsPerMinute: 3, trustProxy: `${PROXY},10.9.0.0/16` }));
    const port = platform.httpPort;
    // one client behind the proxy fails three times and is locked out...
    for (let i = 0; i < 3; i++) expect((await xff(port, PROXY, '198.51.100.1')).status).toBe(401);
    expect((await xff(port, PROXY, '198.51.100.1')).status).toBe(429);
    // ...while another client behind the same proxy is not
    expect((await xff(port, PROXY, '198.51.100.2')).status).toBe(401);
    expect((await loginFrom(port, PROXY, 'admin', TEST_ADMIN_PASSWORD)).status).toBe(200);
    expect(fromOf(platform, 3)).toEqual([PROXY, '198.51.100.2', '198.51.100.1']);
    // a client's own X-Forwarded-For entry before the proxy's is not believed: the proxy's view of it is (the rightmost untrusted hop)
    expect((await xff(port, PROXY, '203.0.113.7, 198.51.100.3')).status).toBe(401);
    expect(fromOf(platform, 1)).toEqual(['198.51.100.3']);
    // a chain of trusted proxies is walked back to the first untrusted address
    expect((await xff(port, PROXY, '198.51.100.4, 10.9.0.5')).status).toBe(401);
    expect(fromOf(platform, 1)).toEqual(['198.51.100.4']);
    // a peer that is not a listed proxy forges the header in vain
    const statuses: number[] = [];
    for (const client of ['198.51.100.5', '198.51.100.6', '198.51.100.7', '198.51.100.8']) statuses.push((await xff(port, '127.0.2.2', client)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(fromOf(platform, 1)).toEqual(['127.0.2.2']);
  });

  it("counts MQTT-over-websocket connections per client behind a trusted proxy, not per proxy", async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { trustProxy: PROXY, maxConnectionsPerAddress: 1 }));
    const { headers } = await tokenFor(platform);
    const open = (client: string) => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${platform.httpPort}/mqtt`, 'mqtt', { headers: { ...headers, 'x-forwarded-for': client }, localAddress: PROXY });
      hold('websocket /mqtt', () => ws.terminate());
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
    const refused = () => (platform.health().broker as { limits: Record<string, number> }).limits.refusedConnectionsPerAddress;
    await open('198.51.100.1');
    await open('198.51.100.2');
    const again = await open('198.51.100.1');
    await new Promise((resolve) => (again.readyState === WebSocket.CLOSED ? resolve(undefined) : again.once('close', resolve)));
    // only the second connection of 198.51.100.1 went over its limit of one
    expect(refused()).toBe(1);
    expect(platform.audit.read({ action: 'mqtt.connection-refused', limit: 5 }).map((e) => e.from)).toEqual(['198.51.100.1']);
  });
});

describe('untrusted credentials', () => {
  let platform: Platform;
  let port: number;
  let inc: Incident;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir(), { loginAttemptsPerMinute: 1000 }));
    port = platform.httpPort;
    inc = raise(platform, 'wp-fc-1');
  });

  // what Node's HTTP client will put in a header: tab, printable ASCII and Latin-1
  const headerChar = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09)).map((c) => String.fromCharCode(c));
  const text = (max = 80) => fc.string({ unit: headerChar, maxLength: max });
  const nearCookie = fc.oneof(text(), fc.string({ unit: fc.constantFrom(...'AZaz09-_=;, "'), maxLength: 60 }).map((v) => `qala_session=${v}`), text().map((v) => `a=b; qala_session=${v}; c`));
  const nearToken = fc.oneof(
    text(),
    text().map((v) => `Bearer ${v}`),
    fc.tuple(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 14, maxLength: 18 }), fc.string({ unit: fc.constantFrom(...'AZaz09-_'), minLength: 40, maxLength: 46 })).map(([id, s]) => `Bearer qala_${id}_${s}`),
  );

  it('never answers a made-up cookie, Authorization or Origin header with a server error, nor lets it in', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(nearCookie, { nil: undefined }), fc.option(nearToken, { nil: undefined }), fc.option(text(), { nil: undefined }), fc.boolean(), async (cookie, authorization, origin, post) => {
        const headers: Record<string, string> = { ...(cookie !== undefined ? { cookie } : {}), ...(authorization !== undefined ? { authorization } : {}), ...(origin !== undefined ? { origin } : {}) };
        const a = post
          ? await send(port, { method: 'POST', path: `/api/incidents/${inc.id}/acknowledge`, headers: { ...headers, 'content-type': 'application/json' }, body: '{}' })
          : await send(port, { path: '/api/me', headers });
        expect([401, 403, 429], `${a.status} ${a.body}`).toContain(a.status);
      }),
      { numRuns: 300 },
    );
    expect(platform.incidents.get(inc.id).state).toBe('open');
  });
});

describe('logins that end', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
  });

  const liveWith = (who: Login) => openWs(`ws://127.0.0.1:${platform.httpPort}/live`, who.headers);
  const closeCode = (ws: NonNullable<Awaited<ReturnType<typeof liveWith>>['ws']>) => new Promise<number>((r) => ws.once('close', (code) => r(code)));

  it('sets the session cookie HttpOnly, SameSite=Strict and not Secure over plain HTTP', async () => {
    const res = await fetch(`${baseUrl(platform)}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password: TEST_ADMIN_PASSWORD }) });
    const cookie = res.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^qala_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
  });

  it('ends a session on sign-out: the cookie no longer works and its /live is closed', async () => {
    const op = await loginAs(platform, 'operator');
    const other = await login(baseUrl(platform), op.name, TEST_PASSWORD);
    const { ws } = await liveWith(op);
    const closed = closeCode(ws!);
    const out = await client(platform, op)('/api/logout', { method: 'POST' });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie()[0]).toMatch(/^qala_session=; .*Max-Age=0/);
    expect(await closed).toBe(4401);
    expect((await client(platform, op)('/api/me')).status).toBe(401);
    // the user's other session is another login, and goes on
    expect((await client(platform, other)('/api/me')).status).toBe(200);
  });

  it('refuses a revoked API token at once, and closes the websocket opened with it', async () => {
    const token = await tokenFor(platform, 'admin', 'to revoke');
    expect((await client(platform, token)('/api/me')).status).toBe(200);
    const { ws } = await liveWith(token);
    const closed = closeCode(ws!);
    expect((await client(platform, await loginAs(platform, 'admin'))(`/api/tokens/${token.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await closed).toBe(4401);
    const res = await client(platform, token)('/api/me');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('unknown or revoked');
  });

  it("ends a removed user's sessions and websockets", async () => {
    const viewer = await loginAs(platform, 'viewer');
    const { ws } = await liveWith(viewer);
    const closed = closeCode(ws!);
    expect((await client(platform, await loginAs(platform, 'admin'))(`/api/users/${viewer.name}`, { method: 'DELETE' })).status).toBe(200);
    expect(await closed).toBe(4401);
    expect((await client(platform, viewer)('/api/me')).status).toBe(401);
    expect((await fetch(`${baseUrl(platform)}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: viewer.name, password: TEST_PASSWORD }) })).status).toBe(401);
  });

  it("changes one's own password: the old one stops working, other sessions end, this one stays", async () => {
    const eng = await loginAs(platform, 'engineer');
    const elsewhere = await login(baseUrl(platform), eng.name, TEST_PASSWORD);
    const as = client(platform, eng);
    expect((await as('/api/me/password', { method: 'POST', body: { current: 'not-the-password', password: 'a-new-password-123' } })).status).toBe(401);
    expect((await as('/api/me/password', { method: 'POST', body: { current: TEST_PASSWORD, password: 'short' } })).status).toBe(400);
    expect((await as('/api/me/password', { method: 'POST', body: { current: TEST_PASSWORD, password: 'a-new-password-123' } })).status).toBe(200);
    expect((await as('/api/me')).status).toBe(200);
    expect((await client(platform, elsewhere)('/api/me')).status).toBe(401);
    await expect(login(baseUrl(platform), eng.name, TEST_PASSWORD)).rejects.toThrow(/401/);
    await login(baseUrl(platform), eng.name, 'a-new-password-123');
  });

  it('refuses an expired session', async () => {
    let shift = 0;
    const own = await ownPlatform(testConfig(await tempDir(), { sessionTtlMs: 60_000 }), { clock: clockWithNow(() => Date.now() + shift) });
    const op = await login(baseUrl(own), 'admin', TEST_ADMIN_PASSWORD);
    expect((await client(own, op)('/api/me')).status).toBe(200);
    shift = 59_000;
    expect((await client(own, op)('/api/me')).status).toBe(200);
    shift = 61_000;
    const res = await client(own, op)('/api/me');
    expect(res.status).toBe(401);
    expect((await openWs(`ws://127.0.0.1:${own.httpPort}/live`, op.headers)).status).toBe(401);
  });
});

describe('first start', () => {
  it('creates the admin with a one-time password announced once, which logs in', async () => {
    const dataDir = await tempDir();
    const lines: string[] = [];
    const config = testConfig(dataDir, { adminPassword: undefined });
    const first = await ownPlatform(config, { announce: (l) => lines.push(l) });
    expect(lines).toHaveLength(1);
    const password = /one-time password (\S+)/.exec(lines[0]!)![1]!;
    await login(baseUrl(first), 'admin', password);
    await first.stop();
    const again = await ownPlatform(config, { announce: (l) => lines.push(l) });
    expect(lines).toHaveLength(1);
    await login(baseUrl(again), 'admin', password);
  });
});
