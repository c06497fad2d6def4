// Who is logged in, the login form, sign-out, and fetch with the session cookie. The
// page's data comes only through authenticated routes: when the session ends (signed
// out, expired, removed) any 401 sends the page back to the login form, by reloading
// it, so nothing of the last user's view stays on screen.
import type { Role } from '../../services/contracts/index.ts';
import { initialLang, setLang, t, tOr } from './i18n/i18n.ts';

export interface Me {
  user: { name: string; role: Role; utility?: string };
  town: string;
  expiresAt?: number;
}

/** Close code of a websocket whose login ended (services/api/ws-sessions.ts). */
export const CLOSE_LOGGED_OUT = 4401;

let endingSession = false;

/** The page starts over (at the login form) once the session is gone. */
export function sessionEnded(): void {
  if (endingSession) return;
  endingSession = true;
  location.reload();
}

/** fetch with the session cookie; a 401 ends the session on the page. */
export async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(path, { ...init, credentials: 'same-origin' });
  if (res.status === 401) sessionEnded();
  return res;
}

/** GET a JSON answer; any status but 2xx is thrown. */
export async function getJson<T>(path: string): Promise<T> {
  const res = await api(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export async function postJson(path: string, body: unknown = {}): Promise<Response> {
  return api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Who is logged in, or undefined. */
/**
 * Who is logged in: undefined only when the server says nobody is (401). Any other
 * failure (a 503 while the server stops, a 500) is thrown, so a reconnecting page
 * keeps its login and tries again instead of signing the operator out.
 */
export async function whoAmI(): Promise<Me | undefined> {
  const res = await fetch('/api/me', { credentials: 'same-origin' });
  if (res.status === 401) return undefined;
  if (!res.ok) throw new Error(`GET /api/me answered ${res.status}`);
  return (await res.json()) as Me;
}

export function showLogin(): void {
  setLang(initialLang());
  document.getElementById('app')!.hidden = true;
  const section = document.getElementById('login')!;
  section.hidden = false;
  const form = document.getElementById('login-form') as HTMLFormElement;
  const error = document.getElementById('login-error')!;
  const name = document.getElementById('login-name') as HTMLInputElement;
  const password = document.getElementById('login-password') as HTMLInputElement;
  name.focus();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    error.textContent = '';
    const button = form.querySelector('button')!;
    button.disabled = true;
    void fetch('/api/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: name.value.trim(), password: password.value }),
    })
      .then(async (res) => {
        if (res.ok) {
          location.reload();
          return;
        }
        const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
        error.textContent = res.status === 401 ? t('login.wrong') : (body.error?.message ?? t('login.failed', { status: res.status }));
        password.value = '';
        password.focus();
      })
      .catch(() => {
        error.textContent = t('login.unreachable');
      })
      .finally(() => {
        button.disabled = false;
      });
  });
}

export function showUser(me: Me): void {
  document.getElementById('login')!.hidden = true;
  document.getElementById('app')!.hidden = false;
  renderUser(me);
  document.getElementById('signout')!.addEventListener('click', () => {
    void fetch('/api/logout', { method: 'POST', credentials: 'same-origin' }).finally(() => location.reload());
  });
}

/** The logged-in user, their role and (for a utility) whose network, in the page's language. */
export function renderUser(me: Me): void {
  const who = document.getElementById('who')!;
  who.textContent = `${me.user.name} · ${t(`role.${me.user.role}`)}${me.user.utility ? ` (${tOr(`utility.${me.user.utility}`, me.user.utility)})` : ''}`;
  who.dataset.role = me.user.role;
}
