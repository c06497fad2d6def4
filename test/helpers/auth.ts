// Logging in from tests, the way clients do: POST /api/login for a session cookie, or
// an API token made by the admin. A platform started with `adminPassword:
// TEST_ADMIN_PASSWORD` (see authConfig) has a known admin; `loginAs(platform, role)`
// adds a user with that role through the admin API and logs them in.
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import type { Role } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { hold } from './resources.ts';

export const TEST_ADMIN_PASSWORD = 'test-admin-password-0123';
export const TEST_PASSWORD = 'test-user-password-4567';

/** Config overrides that make the admin's password known (pass them to testConfig). */
export const authConfig = { adminPassword: TEST_ADMIN_PASSWORD } as const;

export interface Login {
  name: string;
  role: Role;
  utility?: string;
  /** headers that carry the login: Cookie for a session, Authorization for a token */
  headers: Record<string, string>;
}

export const baseUrl = (platform: Platform, scheme = 'http'): string => `${scheme}://127.0.0.1:${platform.httpPort}`;

/** The session cookie from a login answer's Set-Cookie, as a Cookie header value. */
export function cookieOf(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => /^(__Host-)?qala_session=/.test(c));
  if (!set) throw new Error(`no session cookie in the answer (status ${res.status})`);
  return set.split(';')[0]!;
}

/** Logs in with a name and password at a base URL; throws with the answer if refused. */
export async function login(base: string, name: string, password: string): Promise<Login> {
  const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  if (res.status !== 200) throw new Error(`login as ${name} refused: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { name: string; role: Role; utility?: string } };
  return { ...body.user, headers: { cookie: cookieOf(res) } };
}

const admins = new WeakMap<Platform, Promise<Login>>();

/** The admin's session on a platform started with authConfig, shared by the helpers (sign out with loginAs's own). */
export function asAdmin(platform: Platform): Promise<Login> {
  let l = admins.get(platform);
  if (!l) {
    l = login(baseUrl(platform), 'admin', TEST_ADMIN_PASSWORD);
    admins.set(platform, l);
    l.catch(() => admins.delete(platform));
  }
  return l;
}

let users = 0;

/** Adds a user with this role (a utility user of `utility`, water by default) through the admin API; its password is TEST_PASSWORD. */
export async function addUser(platform: Platform, role: Role, options: { utility?: string; name?: string } = {}): Promise<string> {
  const admin = await asAdmin(platform);
  const name = options.name ?? `${role}-${process.pid}-${++users}`;
  const body = { name, role, password: TEST_PASSWORD, ...(role === 'utility' ? { utility: options.utility ?? 'water' } : {}) };
  const res = await fetch(`${baseUrl(platform)}/api/users`, { method: 'POST', headers: { ...admin.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`adding user ${name} refused: ${res.status} ${await res.text()}`);
  return name;
}

/** A new user with this role (a utility user of `utility`, water by default), logged in. */
export async function loginAs(platform: Platform, role: Role, options: { utility?: string; name?: string } = {}): Promise<Login> {
  // a session of its own, so a test that signs it out leaves the helper's admin session alone
  if (role === 'admin' && !options.name) return login(baseUrl(platform), 'admin', TEST_ADMIN_PASSWORD);
  return login(baseUrl(platform), await addUser(platform, role, options), TEST_PASSWORD);
}

/** Signs a browser page in through the dashboard's login form and waits for the control room. */
export async function signIn(page: Page, platform: Platform, name: string, password = TEST_PASSWORD): Promise<void> {
  await page.goto(`${baseUrl(platform)}/`);
  await page.locator('#login-form').waitFor();
  await page.fill('#login-name', name);
  await page.fill('#login-password', password);
  await page.click('#login-form button[type="submit"]');
  await page.locator('#app:not([hidden])').waitFor();
}

/** A new API token for a user (the admin by default), as Authorization headers. */
export async function tokenFor(platform: Platform, user = 'admin', label = 'tests'): Promise<Login & { token: string; id: string }> {
  const admin = await asAdmin(platform);
  const res = await fetch(`${baseUrl(platform)}/api/tokens`, { method: 'POST', headers: { ...admin.headers, 'content-type': 'application/json' }, body: JSON.stringify({ user, label }) });
  if (res.status !== 201) throw new Error(`token for ${user} refused: ${res.status} ${await res.text()}`);
  const t = (await res.json()) as { token: string; id: string; user: string };
  const who = platform.users.get(t.user)!;
  return { name: who.name, role: who.role, ...(who.utility ? { utility: who.utility } : {}), token: t.token, id: t.id, headers: { authorization: `Bearer ${t.token}` } };
}

/** fetch against the platform with a login's headers (and JSON bodies for objects). */
export function client(platform: Platform, who: Login | undefined) {
  return (path: string, init: Omit<RequestInit, 'body'> & { body?: unknown } = {}): Promise<Response> => {
    const json = init.body !== undefined && typeof init.body !== 'string';
    const headers = { ...(who?.headers ?? {}), ...(json ? { 'content-type': 'application/json' } : {}), ...((init.headers as Record<string, string>) ?? {}) };
    return fetch(`${baseUrl(platform)}${path}`, { ...init, headers, body: json ? JSON.stringify(init.body) : (init.body as string | undefined) });
  };
}

/** Opens a websocket; resolves with the open socket and what it received (from the start), or the HTTP status that refused the upgrade. */
export function openWs(url: string, headers: Record<string, string> = {}, origin?: string): Promise<{ ws?: WebSocket; messages: string[]; status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...(origin ? { origin } : {}) });
    const messages: string[] = [];
    hold(`websocket ${url}`, () => ws.terminate());
    ws.on('message', (d) => messages.push(d.toString()));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode, messages });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}
