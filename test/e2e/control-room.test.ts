// The control room as an operator meets it, in Debian's chromium: a new critical
// incident is on screen at 1280x720 without scrolling, counted in the page title and
// flashed; stale figures are greyed; the Kazakh page shows no English label; the
// wall mode fills 2560x1440 without a scrollbar; roles shape what the page offers;
// a lost server greys the whole page.
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../dashboards/src/i18n/en.ts';
import { kk } from '../../dashboards/src/i18n/kk.ts';
import type { Platform } from '../../services/platform.ts';
import { addUser, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';

/** Every text the page shows (text nodes and labelling attributes) inside #app, of visible elements. */
async function shownTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const visible = (el: Element) => (el as HTMLElement).offsetParent !== null || getComputedStyle(el).position === 'fixed';
    const walker = document.createTreeWalker(document.getElementById('app')!, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent!.trim();
      if (text && n.parentElement && visible(n.parentElement) && !n.parentElement.closest('script,style')) out.push(text);
    }
    for (const el of document.querySelectorAll('#app [title], #app [aria-label], #app [placeholder]')) {
      for (const a of ['title', 'aria-label', 'placeholder']) if (el.getAttribute(a)) out.push(el.getAttribute(a)!.trim());
    }
    return out;
  });
}

async function publishOutage(platform: Platform, feeder: string): Promise<void> {
  const device = await connectDevice(platform);
  await device.publishAsync(`city/temirtau/utilities/aktau/power-feeder/${feeder}/status`, JSON.stringify({ state: 'online', location: [50.117, 73.01] }), { qos: 1, retain: true });
  const t0 = Date.now() - 60_000;
  for (let i = 0; i <= 4; i++) {
    await device.publishAsync(`city/temirtau/utilities/aktau/power-feeder/${feeder}/telemetry`, JSON.stringify({ ts: t0 + i * 10_000, metrics: { voltage: 0, load: 0 } }), { qos: 1 });
  }
  await device.endAsync();
}

describe.runIf(browserAvailable())('control room in chromium', () => {
  let platform: Platform;
  let browser: Browser;

  // the browser, the platform and its data dir are released by the helpers once the file ends
  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    browser = await launchBrowser();
  });

  it('shows a new critical incident at 1280x720 without scrolling, counts it in the title and flashes', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await signIn(page, platform, await addUser(platform, 'operator'));
    await page.waitForSelector('#conn[data-state="open"]');
    await expect(page.title()).resolves.toBe('Qala · Temirtau');
    await publishOutage(platform, 'pf-cr-1');
    const item = page.locator('#incident-list li.incident[data-severity="critical"]', { hasText: 'pf-cr-1' });
    await item.waitFor();
    await page.waitForFunction(() => document.title === '(1) Qala · Temirtau');
    await page.waitForSelector('#banner:not([hidden])');
    // a critical incident that came after the page opened raises the alarm (flash; sound once audio is allowed)
    await page.waitForFunction(() => document.body.dataset.alarms === '1');
    const box = (await item.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(720);
    const map = (await page.locator('#map-panel').boundingBox())!;
    expect(map.y + map.height).toBeLessThanOrEqual(720);
    expect(map.height).toBeGreaterThan(150);
    const scroll = await page.evaluate(() => ({ h: document.documentElement.scrollHeight, w: document.documentElement.scrollWidth }));
    expect(scroll).toEqual({ h: 720, w: 1280 });
    // the map draws the town beneath the devices: six district outlines, the streets joining them and the plant (GET /api/geo)
    expect(await page.locator('#map path.district').count()).toBe(6);
    expect(await page.locator('#map path.street').count()).toBe(6);
    expect(await page.locator('#map .plant').count()).toBe(1);
    // picking the incident highlights its device on the map
    await item.locator('.title').click();
    await page.locator('#map .device.highlight[data-device="pf-cr-1"]').waitFor();
    // acknowledged, it no longer counts
    await item.locator('button[data-action="acknowledge"]').click();
    await page.waitForFunction(() => document.title === 'Qala · Temirtau');
    await page.waitForSelector('#banner[hidden]', { state: 'attached' });
    await page.close();
  });

  it('resolves only with a comment, after confirmation', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, platform, await addUser(platform, 'operator', { name: 'dana' }));
    const item = page.locator('#incident-list li.incident', { hasText: 'pf-cr-1' });
    await item.waitFor();
    const id = (await item.getAttribute('data-id'))!;
    await item.locator('button[data-action="resolve"]').click();
    await item.locator('button[data-action="confirm-resolve"]').click();
    // the form refuses an empty comment: still unresolved
    await expect(page.locator('#incident-status').textContent()).resolves.toBe(en['incidents.commentNeeded']);
    expect(platform.incidents.get(id).state).not.toBe('resolved');
    await item.locator('textarea').fill('feeder switched to the reserve line');
    await item.locator('button[data-action="confirm-resolve"]').click();
    await item.waitFor({ state: 'detached' });
    expect(platform.incidents.get(id).history.at(-1)).toMatchObject({ action: 'resolved', by: 'dana', comment: 'feeder switched to the reserve line' });
    await page.close();
  });

  it('greys a subsystem whose newest reading is older than its kind reports, and not one that is fresh', async () => {
    const device = await connectDevice(platform);
    const old = Date.now() - 10 * 60_000;
    await device.publishAsync('city/temirtau/environment/aktau/air-station/aq-cr-1/telemetry', JSON.stringify({ ts: old, metrics: { pm25: 10, pm10: 20, so2: 5, no2: 10 } }), { qos: 1 });
    await device.publishAsync('city/temirtau/mobility/aktau/traffic-counter/tc-cr-1/telemetry', JSON.stringify({ ts: Date.now(), metrics: { vehiclesPerMin: 10, meanSpeed: 40, signal: 1 } }), { qos: 1 });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, platform, await addUser(platform, 'viewer'));
    const env = page.locator('[data-subsystem="environment"]');
    await page.waitForSelector('[data-subsystem="environment"][data-stale="1"]');
    await expect(env.locator('.age').textContent()).resolves.toMatch(/^last update 10 minutes ago$/);
    await page.waitForSelector('[data-subsystem="mobility"][data-stale="0"]');
    // a fresh reading brings it back
    await device.publishAsync('city/temirtau/environment/aktau/air-station/aq-cr-1/telemetry', JSON.stringify({ ts: Date.now(), metrics: { pm25: 10, pm10: 20, so2: 5, no2: 10 } }), { qos: 1 });
    await page.waitForSelector('[data-subsystem="environment"][data-stale="0"]');
    await device.endAsync();
    await page.close();
  });

  it('offers a viewer no action, and shows who is logged in', async () => {
    await publishOutage(platform, 'pf-cr-2');
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const name = await addUser(platform, 'viewer');
    await signIn(page, platform, name);
    await page.locator('#incident-list li.incident', { hasText: 'pf-cr-2' }).waitFor();
    expect(await page.locator('#incident-list button').count()).toBe(0);
    await expect(page.locator('#who').textContent()).resolves.toBe(`${name} · ${en['role.viewer']}`);
    await page.close();
  });

  it('shows a utility user only its own network’s incidents', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, platform, await addUser(platform, 'utility', { utility: 'water' }));
    await page.waitForSelector('#conn[data-state="open"]');
    await page.locator('#incident-list li.none').waitFor();
    expect(await page.locator('#incident-list li.incident').count()).toBe(0);
    // its tiles are its own network's subsystems only, not the town's five with four of them empty
    await page.locator('#tiles [data-subsystem="utilities"]').waitFor();
    expect(await page.locator('#tiles [data-subsystem]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.subsystem))).toEqual(['utilities']);
    await page.close();
    const power = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(power, platform, await addUser(platform, 'utility', { utility: 'power' }));
    await power.locator('#incident-list li.incident', { hasText: 'pf-cr-2' }).waitFor();
    // a power utility acknowledges but does not resolve (services/api/incident-routes.ts ACTION_ROLES)
    expect(await power.locator('#incident-list button[data-action="resolve"]').count()).toBe(0);
    await power.close();
  });

  it('shows the Kazakh page without an English label, and keeps the choice', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, platform, await addUser(platform, 'operator'));
    await page.locator('#incident-list li.incident').first().waitFor();
    await page.selectOption('#lang', 'kk');
    await page.waitForFunction(() => document.documentElement.lang === 'kk');
    const english = new Set<string>(Object.values(en).filter((v) => v));
    const kazakh = new Set<string>(Object.values(kk));
    const check = async () => {
      const texts = await shownTexts(page);
      expect(texts.length).toBeGreaterThan(40);
      expect(texts.filter((x) => english.has(x) && !kazakh.has(x))).toEqual([]);
      // labels built from several messages: no English word of the dictionary left in them either
      const words = new Set([...english].filter((v) => /^[A-Za-z][a-z]{3,}$/.test(v) && !kazakh.has(v)));
      expect(texts.filter((x) => x.split(/[\s·:(),]+/).some((w) => words.has(w)))).toEqual([]);
    };
    await check();
    await expect(page.locator('#incidents h2').textContent()).resolves.toContain(kk['incidents.title']);
    // the incident view: facts, evidence charts, devices, comments, history and its buttons
    await page.locator('#incident-list li.incident .title').first().click();
    await page.locator('#view figure.evidence canvas').first().waitFor();
    await page.locator('#view select.assignee option').nth(1).waitFor({ state: 'attached' });
    await check();
    // the resolved-incident search and the shift handover
    await page.locator('#views-nav a[data-view="search"]').click();
    await page.locator('#view .search-view .results').waitFor();
    await check();
    await page.locator('#views-nav a[data-view="handover"]').click();
    await page.locator('#view .handover-view section[data-list="stillOpen"]').waitFor();
    await check();
    // silences: the list (none yet) and the form for a new one, its weekly days shown
    await page.locator('#views-nav a[data-view="silences"]').click();
    await page.locator('#view .silences-view .none').waitFor();
    await page.selectOption('#view form.new-silence select[name="repeat"]', 'weekly');
    await check();
    await page.locator('#view button[data-action="close"]').click();
    await page.reload();
    await page.waitForSelector('#conn[data-state="open"]');
    await page.locator('#incident-list li.incident').first().waitFor();
    await expect(page.locator('#lang').inputValue()).resolves.toBe('kk');
    await check();
    await page.close();
  });

  it('fills a 2560x1440 wall in large type without a scrollbar', async () => {
    const page = await browser.newPage({ viewport: { width: 2560, height: 1440 } });
    await signIn(page, platform, await addUser(platform, 'viewer'));
    await page.waitForSelector('#conn[data-state="open"]');
    await page.waitForSelector('html.wall');
    const m = await page.evaluate(() => ({
      h: document.documentElement.scrollHeight,
      w: document.documentElement.scrollWidth,
      rootPx: parseFloat(getComputedStyle(document.documentElement).fontSize),
      incidentsRight: document.getElementById('incidents')!.getBoundingClientRect().right,
    }));
    expect(m.h).toBe(1440);
    expect(m.w).toBe(2560);
    expect(m.rootPx).toBeGreaterThanOrEqual(18);
    // the incident column reaches the right edge: no empty right third
    expect(m.incidentsRight).toBeGreaterThan(2500);
    await page.close();
  });

  it('greys the whole page and says so when the server goes away', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await signIn(page, platform, await addUser(platform, 'viewer'));
    await page.waitForSelector('#conn[data-state="open"]');
    expect(await page.locator('#veil').isHidden()).toBe(true);
    // the API stops first (components stop in reverse): the page sees its socket close while the rest winds down
    const stopping = platform.stop();
    await page.waitForSelector('#veil:not([hidden])');
    await page.waitForSelector('body.disconnected');
    await stopping;
    await expect(page.locator('#veil strong').textContent()).resolves.toBe(en['veil.title']);
    await page.close();
  });
});
