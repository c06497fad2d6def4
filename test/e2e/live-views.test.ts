// The search, handover and silences views follow other operators' work without a
// reload, in Debian's chromium against a real platform: two browser contexts (two
// operators' own sessions), one acts in its page, the other's open view updates,
// and what the watching operator was typing in the view's form is still there.
// Incidents are raised as the rules raise them (a signal on the platform's bus).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleSignal } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { addUser, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';

function raise(platform: Platform, asset: string, at: number): string {
  const signal: RuleSignal = {
    type: 'raised', ruleId: 'power-outage', title: 'power-outage', severity: 'major', autoResolve: false, asset, district: 'aktau',
    subsystem: 'utilities', utility: 'power', kind: 'power-feeder', devices: [asset], evidence: [{ deviceId: asset, ts: at, metrics: { voltage: 0 } }], at, flaps: 0,
  };
  platform.events.emit('ruleSignalled', signal);
  return platform.incidents.list({ state: 'open' }).find((i) => i.asset === asset)!.id;
}

describe.runIf(browserAvailable())('views that follow other operators live, in chromium', () => {
  let platform: Platform;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
  });

  /** An operator signed in in a browser context of its own (its own cookie, its own /live). */
  async function operator(name: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    contexts.push(context);
    const page = await context.newPage();
    await signIn(page, platform, await addUser(platform, 'operator', { name }));
    return page;
  }

  it('shows an incident resolved by another operator in an open search, keeping the filters being typed', async () => {
    const id = raise(platform, 'pf-live-1', Date.now() - 10 * 60_000);
    const [acting, watching] = [await operator('asel'), await operator('bolat')];
    await watching.locator('#views-nav a[data-view="search"]').click();
    await watching.locator('#view .search-view .results .none').waitFor();
    // typed, not yet submitted
    await watching.locator('#view form.filters [name="from"]').fill('2026-01-15 09:');

    await acting.locator(`#incident-list li[data-id="${id}"] button[data-action="resolve"]`).click();
    await acting.locator('#incident-list .resolve-form textarea').fill('feeder switched back');
    await acting.locator('#incident-list button[data-action="confirm-resolve"]').click();
    await acting.locator(`#incident-list li[data-id="${id}"]`).waitFor({ state: 'detached' });

    const row = watching.locator(`#view .search-view ul.rows li[data-id="${id}"][data-state="resolved"]`);
    await row.waitFor();
    await expect(watching.locator('#view form.filters [name="from"]').inputValue()).resolves.toBe('2026-01-15 09:');
    await expect(watching.locator('#view .search-view .shown').textContent()).resolves.toBe('shown: 1');
  });

  it('brings an open shift handover up to date when an incident opens and another operator acknowledges it', async () => {
    const [acting, watching] = [await operator('dana'), await operator('erbol')];
    await watching.locator('#views-nav a[data-view="handover"]').click();
    const since = watching.locator('#view .handover-view input[name="since"]');
    await since.waitFor();
    await watching.locator('#view section[data-list="opened"]').waitFor();
    const typed = await since.inputValue();

    const id = raise(platform, 'pf-live-2', Date.now() - 60_000);
    await watching.locator(`#view section[data-list="opened"] li[data-id="${id}"][data-state="open"]`).waitFor();
    await acting.locator(`#incident-list li[data-id="${id}"] button[data-action="acknowledge"]`).click();
    await watching.locator(`#view section[data-list="stillOpen"] li[data-id="${id}"][data-state="acknowledged"]`).waitFor();
    expect(platform.incidents.get(id)).toMatchObject({ state: 'acknowledged' });
    await expect(since.inputValue()).resolves.toBe(typed);
  });

  it('lists a silence another operator adds and drops it when they end it, keeping a new silence being typed', async () => {
    const [acting, watching] = [await operator('farida'), await operator('galym')];
    for (const page of [acting, watching]) {
      await page.locator('#views-nav a[data-view="silences"]').click();
      await page.locator('#view .silences-view .none').waitFor();
    }
    await watching.locator('#view form.new-silence textarea[name="comment"]').fill('still typing this one');

    const form = acting.locator('#view form.new-silence');
    await form.locator('select[name="utility"]').selectOption('water');
    await form.locator('textarea[name="comment"]').fill('valve replacement, order 2026/77');
    await form.locator('button[data-action="create"]').click();
    await acting.locator('#view li.silence').waitFor();
    const [silence] = platform.silences.list();

    await watching.locator(`#view li.silence[data-id="${silence!.id}"] .why`, { hasText: 'valve replacement, order 2026/77' }).waitFor();
    await expect(watching.locator('#view form.new-silence textarea[name="comment"]').inputValue()).resolves.toBe('still typing this one');

    await acting.locator(`#view li.silence[data-id="${silence!.id}"] button[data-action="expire"]`).click();
    await watching.locator(`#view li.silence[data-id="${silence!.id}"]`).waitFor({ state: 'detached' });
    await watching.locator('#view .silences-view .none').waitFor();
    await expect(watching.locator('#view form.new-silence textarea[name="comment"]').inputValue()).resolves.toBe('still typing this one');
  });
});
