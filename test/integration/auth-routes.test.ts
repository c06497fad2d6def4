// Every route of a started platform, walked from the list the server itself keeps:
// each declares the access this table expects, refuses a request without a session or
// token, and lets in exactly the roles the table names (a new route without an entry
// here fails the first test). Over real HTTP and real websockets.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { baseUrl, client, loginAs, openWs, tokenFor, type Login } from '../helpers/auth.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const ALL: readonly Role[] = ['admin', 'operator', 'utility', 'engineer', 'viewer'];
const ADMIN = ['admin'];

/** method + route → who may use it ('public', 'user' = any logged-in role, or the roles). */
const EXPECTED: Record<string, 'public' | 'user' | readonly string[]> = {
  'GET /*': 'public',
  'GET /app.js': 'public',
  'GET /vendor.css': 'public',
  'GET /health': 'public',
  'POST /api/login': 'public',
  'GET /metrics': 'user',
  'GET /api/kinds': 'user',
  'GET /api/devices': 'user',
  'GET /api/series': 'user',
  'GET /api/town': 'user',
  'GET /api/geo': 'user',
  'GET /api/history': 'user',
  'POST /api/logout': 'user',
  'GET /api/me': 'user',
  'POST /api/me/password': 'user',
  'GET /api/incidents': 'user',
  'GET /api/incidents/:id': 'user',
  'POST /api/incidents/:id/acknowledge': ['admin', 'operator', 'utility'],
  'POST /api/incidents/:id/resolve': ['admin', 'operator'],
  'POST /api/incidents/:id/comment': ['admin', 'operator', 'utility'],
  'POST /api/incidents/:id/assign': ['admin', 'operator', 'utility'],
  // who an incident may be assigned to: those who may assign it
  'GET /api/incidents/:id/assignees': ['admin', 'operator', 'utility'],
  'GET /api/incidents/search': 'user',
  'GET /api/incidents/handover': 'user',
  'GET /api/silences': 'user',
  'POST /api/silences': ['admin', 'operator', 'utility'],
  'DELETE /api/silences/:id': ['admin', 'operator', 'utility'],
  'GET /api/escalation': 'user',
  'GET /api/rules': 'user',
  'GET /api/kpis': 'user',
  'GET /api/kpis/freeze': 'user',
  'GET /api/map': 'user',
  'GET /api/users': ADMIN,
  'POST /api/users': ADMIN,
  'DELETE /api/users/:name': ADMIN,
  'GET /api/tokens': ADMIN,
  'POST /api/tokens': ADMIN,
  'DELETE /api/tokens/:id': ADMIN,
  'GET /api/admin/devices': ADMIN,
  'POST /api/admin/devices': ADMIN,
  'POST /api/admin/devices/import': ADMIN,
  'POST /api/admin/devices/:id/revoke': ADMIN,
  'GET /api/audit': ADMIN,
  'GET /openapi.json': 'user',
  'GET /api/docs': 'user',
  'GET /api/docs/swagger-ui.css': 'user',
  'GET /api/docs/swagger-ui-bundle.js': 'user',
  'GET /live': 'user',
  'GET /mqtt': 'user',
};
const WEBSOCKETS = new Set(['/live', '/mqtt']);

/** A concrete path for a route, naming nothing that exists, so an allowed request changes nothing. */
const pathOf = (url: string) => url.replace(':id', 'nothing-404').replace(':name', 'nobody-404').replace('/*', '/index.html');
/** A body each route takes without effect (or refuses with 4xx that is not about access). */
const bodyOf = (method: string, url: string): RequestInit => {
  if (method !== 'POST' && method !== 'DELETE') return {};
  if (url.endsWith('/import')) return { body: 'deviceId,kind,district\n', headers: { 'content-type': 'text/csv' } };
  return method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {};
};

describe('access of every route', () => {
  let platform: Platform;
  let dataDir: string;
  const logins = new Map<Role, Login>();

  beforeAll(async () => {
    dataDir = await tempDir();
    // made-up tokens below would otherwise soon meet the per-address limit (tested in auth-attacks)
    platform = await startPlatform(testConfig(dataDir, { loginAttemptsPerMinute: 1000 }));
    for (const role of ALL) logins.set(role, await loginAs(platform, role));
  });

  const routes = () => platform.api.routes.filter((r) => r.method !== 'HEAD');

  it('declares for every route the access this table expects, and nothing is left out', () => {
    const declared = Object.fromEntries(routes().map((r) => [`${r.method} ${r.url}`, r.access]));
    expect(declared).toEqual(EXPECTED);
    // every GET answers HEAD under the same access
    for (const r of routes().filter((x) => x.method === 'GET' && x.url !== '/*')) {
      expect(platform.api.routes.find((x) => x.method === 'HEAD' && x.url === r.url)?.access, r.url).toEqual(r.access);
    }
  });

  it('refuses every route but the public ones without a session or token, with 401 ERR_UNAUTHENTICATED', async () => {
    const anon = client(platform, undefined);
    const closed = platform.api.routes.filter((r) => r.access !== 'public');
    expect(closed.length).toBeGreaterThan(30);
    for (const { method, url } of closed) {
      if (WEBSOCKETS.has(url) && method === 'GET') {
        expect((await openWs(`ws://127.0.0.1:${platform.httpPort}${url}`)).status, url).toBe(401);
        continue;
      }
      const res = await anon(pathOf(url), { method, ...bodyOf(method, url) });
      expect(res.status, `${method} ${url}`).toBe(401);
      if (method !== 'HEAD') expect(((await res.json()) as { error: { code: string } }).error.code, `${method} ${url}`).toBe('ERR_UNAUTHENTICATED');
    }
  });

  it('refuses a made-up session cookie or bearer token on every closed route', async () => {
    const forged: Record<string, string>[] = [{ cookie: `qala_session=${'A'.repeat(43)}` }, { authorization: `Bearer qala_0123456789abcdef_${'A'.repeat(43)}` }];
    for (const headers of forged) {
      for (const { method, url } of routes().filter((r) => r.access !== 'public' && !WEBSOCKETS.has(r.url))) {
        const res = await client(platform, { name: 'x', role: 'viewer', headers })(pathOf(url), { method, ...bodyOf(method, url) });
        expect(res.status, `${method} ${url} with ${Object.keys(headers)[0]}`).toBe(401);
      }
    }
  });

  it('lets each role use exactly the routes its role may, and refuses the others with 403 ERR_FORBIDDEN', async () => {
    // logout last: it ends the session the other requests use
    const closed = routes()
      .filter((r) => r.access !== 'public' && !WEBSOCKETS.has(r.url))
      .sort((a, b) => Number(a.url === '/api/logout') - Number(b.url === '/api/logout'));
    for (const role of ALL) {
      const as = client(platform, logins.get(role));
      for (const { method, url, access } of closed) {
        const res = await as(pathOf(url), { method, ...bodyOf(method, url) });
        const may = access === 'user' || (access as readonly string[]).includes(role);
        const what = `${role}: ${method} ${url} → ${res.status}`;
        if (may) expect([401, 403], what).not.toContain(res.status);
        else {
          expect(res.status, what).toBe(403);
          expect(((await res.json()) as { error: { code: string; message: string } }).error, what).toMatchObject({ code: 'ERR_FORBIDDEN', message: expect.stringContaining(role) });
        }
        expect(res.status, what).toBeLessThan(500);
      }
    }
  });

  it('opens /live and /mqtt to every role with a session, and to an API token', async () => {
    for (const role of ALL) {
      for (const path of WEBSOCKETS) {
        const { ws, status } = await openWs(`ws://127.0.0.1:${platform.httpPort}${path}`, (await loginAs(platform, role)).headers);
        expect(status, `${role} ${path}`).toBeUndefined();
        ws!.terminate();
      }
    }
    const token = await tokenFor(platform, logins.get('viewer')!.name);
    const { messages } = await openWs(`ws://127.0.0.1:${platform.httpPort}/live`, token.headers);
    const hello = await waitFor(() => messages[0], 'the hello on /live');
    expect(JSON.parse(hello).type).toBe('hello');
  });

  it('serves /metrics to a Prometheus bearer token', async () => {
    const token = await tokenFor(platform, logins.get('viewer')!.name, 'prometheus');
    const res = await client(platform, token)('/metrics');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^qala_store_written_total \d+$/m);
  });

  it('keeps /health open, with its status and numbers only', async () => {
    const res = await fetch(`${baseUrl(platform)}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.status).toBe('ok');
    const leaves = (v: unknown, path: string): string[] =>
      v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => leaves(x, `${path}.${k}`)) : [`${path}:${typeof v}`];
    const kinds = leaves({ ...body, status: 0 }, '').filter((l) => !l.endsWith(':number') && !l.endsWith(':boolean'));
    expect(kinds).toEqual([]);
    expect(JSON.stringify(body)).not.toContain(dataDir);
  });
});
