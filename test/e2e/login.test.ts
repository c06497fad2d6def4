// The dashboard behind its login, in Debian's chromium: the login form, a wrong
// password, the control room with the user's name and role, buttons by role, sign-out,
// a session ended on the server, and a hostile page on another origin riding the
// operator's cookie (same site, another port: SameSite lets the cookie go, so only the
// Origin check stands between it and the incident).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Incident, RuleSignal } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { TEST_PASSWORD, addUser, baseUrl, client, loginAs, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { hold } from '../helpers/resources.ts';

function raise(platform: Platform, utility: 'water' | 'heat', asset: string): Incident {
  const signal: RuleSignal = {
    type: 'raised', ruleId: `${utility}-e2e`, title: `${utility} fault`, severity: 'major', autoResolve: false, asset, district: 'old-town', subsystem: 'utilities',
    utility, kind: utility === 'water' ? 'water-pressure' : 'heat-substation', devices: [asset], evidence: [{ deviceId: asset, ts: Date.now(), metrics: { x: 1 } }], at: Date.now(), flaps: 0,
  };
  platform.events.emit('ruleSignalled', signal);
  return platform.incidents.list({ state: 'open' }).find((i) => i.asset === asset)!;
}

describe.runIf(browserAvailable())('login in chromium', () => {
  let platform: Platform;
  let browser: Browser;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    browser = await launchBrowser();
  });

  it('shows only the login form until a user signs in, then the control room with their name and role', async () => {
    const page = await browser.newPage();
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.goto(`${baseUrl(platform)}/`);
    await page.locator('#login-form').waitFor();
    expect(await page.locator('#app').isHidden()).toBe(true);
    // nothing but /api/me was asked of the API, and no live connection opened
    expect(asked.filter((p) => p.startsWith('/api') || p === '/live')).toEqual(['/api/me']);

    const name = await addUser(platform, 'operator');
    await page.fill('#login-name', name);
    await page.fill('#login-password', 'not-the-password-0');
    await page.click('#login-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('login-error')!.textContent !== '');
    await expect(page.locator('#login-error').textContent()).resolves.toBe('Wrong user name or password.');
    expect(await page.locator('#app').isHidden()).toBe(true);

    await page.fill('#login-password', TEST_PASSWORD);
    await page.click('#login-form button[type="submit"]');
    await page.locator('#app:not([hidden])').waitFor();
    await page.waitForSelector('#conn[data-state="open"]');
    await expect(page.locator('#who').textContent()).resolves.toBe(`${name} · operator`);
    expect(await page.locator('#login').isHidden()).toBe(true);
    // the session cookie is out of the page's reach
    expect(await page.evaluate(() => document.cookie)).toBe('');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'qala_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await page.context().close();
  });

  it('signs out back to the login form, and the old session is gone on the server', async () => {
    const page = await browser.newPage();
    await signIn(page, platform, await addUser(platform, 'viewer'));
    const cookie = (await page.context().cookies()).find((c) => c.name === 'qala_session')!;
    await page.click('#signout');
    await page.locator('#login-form').waitFor();
    expect(await page.locator('#app').isHidden()).toBe(true);
    const res = await client(platform, { name: 'x', role: 'viewer', headers: { cookie: `qala_session=${cookie.value}` } })('/api/me');
    expect(res.status).toBe(401);
    await page.context().close();
  });

  it('shows acknowledge and resolve only to roles that may, and a utility only its own incidents', async () => {
    const water = raise(platform, 'water', 'wp-e2e-login');
    const heat = raise(platform, 'heat', 'hs-e2e-login');
    const buttons = async (role: 'viewer' | 'operator' | 'utility') => {
      const page = await browser.newPage();
      await signIn(page, platform, await addUser(platform, role));
      await page.locator(`#incident-list li[data-id="${water.id}"]`).waitFor();
      const rows = await page.$$eval('#incident-list li[data-id]', (trs) =>
        trs.map((tr) => `${(tr as HTMLElement).dataset.id}:${[...tr.querySelectorAll('button')].map((b) => b.dataset.action).join('+')}`).sort());
      await page.context().close();
      return rows;
    };
    expect(await buttons('operator')).toEqual([`${water.id}:acknowledge+resolve`, `${heat.id}:acknowledge+resolve`].sort());
    expect(await buttons('viewer')).toEqual([`${water.id}:`, `${heat.id}:`].sort());
    expect(await buttons('utility')).toEqual([`${water.id}:acknowledge`]);
  });

  it('goes back to the login form when the server ends the session (the user is removed)', async () => {
    const page = await browser.newPage();
    const name = await addUser(platform, 'engineer');
    await signIn(page, platform, name);
    await page.waitForSelector('#conn[data-state="open"]');
    const admin = await loginAs(platform, 'admin');
    expect((await client(platform, admin)(`/api/users/${name}`, { method: 'DELETE' })).status).toBe(200);
    await page.locator('#login-form').waitFor();
    expect(await page.locator('#app').isHidden()).toBe(true);
    await page.context().close();
  });

  it("refuses a hostile page on another origin that rides the operator's cookie (POST and websocket)", async () => {
    const inc = raise(platform, 'water', 'wp-e2e-csrf');
    const target = baseUrl(platform);
    const evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>cheap tickets</title><script>
        window.attack = async () => {
          // a "simple" request: no preflight, the cookie goes along (same site, other port)
          await fetch('${target}/api/incidents/${inc.id}/acknowledge', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{}' }).catch(() => {});
          return new Promise((resolve) => {
            const ws = new WebSocket('${target.replace('http', 'ws')}/live');
            ws.onopen = () => resolve('open');
            ws.onerror = () => resolve('refused');
          });
        };
      </script>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    hold('hostile page server', () => new Promise((r) => evil.close(r)));
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, platform, await addUser(platform, 'operator'));
    const attacker = await context.newPage();
    await attacker.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    await expect(attacker.evaluate(() => (window as unknown as { attack: () => Promise<string> }).attack())).resolves.toBe('refused');
    expect(platform.incidents.get(inc.id).state).toBe('open');
    const refused = platform.audit.read({ limit: 10, action: 'origin.refused' });
    expect(refused.map((e) => e.detail?.path).sort()).toEqual(['/api/incidents/:id/acknowledge', '/live']);
    expect(refused.every((e) => e.who.startsWith('user:operator-'))).toBe(true);
    await context.close();
  });
});
