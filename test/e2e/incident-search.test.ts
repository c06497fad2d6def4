// Resolved incidents searched from the page, a page at a time with the API's
// cursor, and the shift handover from a chosen time, in Debian's chromium against a
// real platform. Incidents are raised as the rules raise them (a signal on the
// platform's event bus) and resolved through the incident manager with a comment.
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RuleSignal } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { addUser, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';

/** Temirtau's clock (UTC+5), as the page's time fields take it. */
const townInput = (ms: number) => new Date(ms + 300 * 60_000).toISOString().slice(0, 16).replace('T', ' ');

function raise(platform: Platform, asset: string, ruleId: string, utility: string, at: number): string {
  const kind = utility === 'water' ? 'water-pressure' : 'power-feeder';
  const signal: RuleSignal = {
    type: 'raised', ruleId, title: ruleId, severity: 'major', autoResolve: false, asset, district: 'aktau',
    subsystem: 'utilities', utility, kind, devices: [asset], evidence: [{ deviceId: asset, ts: at, metrics: { voltage: 0 } }], at, flaps: 0,
  };
  platform.events.emit('ruleSignalled', signal);
  return platform.incidents.list({ state: 'open' }).find((i) => i.asset === asset)!.id;
}

async function fill(page: Page, name: string, value: string): Promise<void> {
  await page.locator(`#view form.filters [name="${name}"]`).fill(value);
}

describe.runIf(browserAvailable())('incident search and shift handover in chromium', () => {
  let platform: Platform;
  let browser: Browser;
  const t0 = Date.now() - 3 * 3_600_000;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    browser = await launchBrowser();
  });

  it('finds resolved incidents by utility and rule, 50 a page, the next page by the cursor', async () => {
    // 55 resolved power outages and one resolved water incident, three hours ago
    for (let n = 0; n < 55; n++) platform.incidents.resolve(raise(platform, `pf-s-${n}`, 'power-outage', 'power', t0 + n * 1000), 'admin', `fixed ${n}`);
    const water = raise(platform, 'wp-s-1', 'water-low-pressure', 'water', t0);
    platform.incidents.resolve(water, 'admin', 'valve opened');
    const stillOpen = raise(platform, 'pf-s-open', 'power-outage', 'power', t0);

    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await signIn(page, platform, await addUser(platform, 'viewer'));
    await page.locator('#views-nav a[data-view="search"]').click();
    await page.locator('#view .search-view form.filters').waitFor();
    await fill(page, 'from', townInput(t0 - 3_600_000));
    await fill(page, 'to', townInput(Date.now() + 60_000));
    await page.selectOption('#view select[name="utility"]', 'power');
    await page.selectOption('#view select[name="rule"]', 'power-outage');
    await page.locator('#view button[data-action="search"]').click();
    await page.waitForFunction(() => document.querySelectorAll('#view ul.rows li').length === 50);
    // newest opened first, resolved only
    await expect(page.locator('#view ul.rows li').first().locator('.id').textContent()).resolves.toBe(platform.incidents.list({}).find((i) => i.asset === 'pf-s-54')!.id);
    expect(await page.locator('#view ul.rows li[data-state="resolved"]').count()).toBe(50);
    await page.locator('#view button[data-action="more"]').click();
    await page.waitForFunction(() => document.querySelectorAll('#view ul.rows li').length === 55);
    expect(await page.locator('#view button[data-action="more"]').count()).toBe(0);
    expect(await page.locator(`#view ul.rows li[data-id="${water}"], #view ul.rows li[data-id="${stillOpen}"]`).count()).toBe(0);

    // water: the one water incident; a row opens its view
    await page.selectOption('#view select[name="utility"]', 'water');
    await page.selectOption('#view select[name="rule"]', '');
    await page.locator('#view button[data-action="search"]').click();
    const row = page.locator(`#view ul.rows li[data-id="${water}"]`);
    await row.waitFor();
    expect(await page.locator('#view ul.rows li').count()).toBe(1);
    await row.locator('a').click();
    await page.locator(`#view .incident-view[data-id="${water}"] ul.comments li`, { hasText: 'valve opened' }).waitFor();

    // a time range before them finds nothing; a time that is not one is refused in the page's words
    await page.locator('#views-nav a[data-view="search"]').click();
    await fill(page, 'to', townInput(t0 - 3_600_000));
    await fill(page, 'from', townInput(t0 - 7_200_000));
    await page.locator('#view button[data-action="search"]').click();
    await page.locator('#view .results .none').waitFor();
    await fill(page, 'from', '23.11.2026 8:00');
    await page.locator('#view button[data-action="search"]').click();
    await expect(page.locator('#view .view-status').textContent()).resolves.toContain('YYYY-MM-DD HH:MM');
    await page.close();
  });

  it('hands over a shift: opened, changed and still open since the chosen time, from the current shift by default', async () => {
    const before = Date.now();
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await signIn(page, platform, await addUser(platform, 'operator'));
    await page.locator('#views-nav a[data-view="handover"]').click();
    const since = page.locator('#view .handover-view input[name="since"]');
    await since.waitFor();
    // the shift in progress on the town's clock: 08:00 or 20:00 (computed on either side of the page's reading)
    const shiftOf = (ms: number) => {
      const local = townInput(ms);
      const hour = Number(local.slice(11, 13));
      const day = local.slice(0, 10);
      if (hour >= 20) return `${day} 20:00`;
      if (hour >= 8) return `${day} 08:00`;
      return `${townInput(ms - 86_400_000).slice(0, 10)} 20:00`;
    };
    expect([shiftOf(before), shiftOf(Date.now())]).toContain(await since.inputValue());

    const older = raise(platform, 'pf-h-0', 'power-outage', 'power', Date.now() - 20 * 60_000);
    const opened = raise(platform, 'pf-h-1', 'power-outage', 'power', Date.now() - 60_000);
    const mark = Date.now() - 5 * 60_000;
    await since.fill(townInput(mark));
    await page.locator('#view button[data-action="show"]').click();
    await page.locator(`#view section[data-list="opened"] li[data-id="${opened}"]`).waitFor();
    await page.locator(`#view section[data-list="stillOpen"] li[data-id="${opened}"]`).waitFor();
    await page.locator(`#view section[data-list="stillOpen"] li[data-id="${older}"]`).waitFor();
    // those opened before the mark are not in "opened"
    expect(await page.locator('#view section[data-list="opened"] li').count()).toBe(1);
    // (the first test's incidents, resolved just now, are in "changed"; this one not yet)
    expect(await page.locator(`#view section[data-list="changed"] li[data-id="${older}"]`).count()).toBe(0);

    // one opened before the mark and acknowledged since: listed as changed
    platform.incidents.acknowledge(older, 'admin', 'on it');
    await page.locator('#view button[data-action="show"]').click();
    await page.locator(`#view section[data-list="changed"] li[data-id="${older}"][data-state="acknowledged"]`).waitFor();
    await page.close();
  });
});
