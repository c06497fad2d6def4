// The control room in a real browser: the simulated town publishes over real MQTT,
// and the dashboard's tiles and charts move with it.
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../services/platform.ts';
import { addUser, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { startSimulation } from '../helpers/simulation.ts';

describe.runIf(browserAvailable())('dashboard in chromium', () => {
  let platform: Platform;
  let browser: Browser;

  // the browser, the town, the platform and its data dir are released by the helpers once the file ends
  beforeAll(async () => {
    const dataDir = await tempDir();
    // a small town (116 devices), each reading once a second, so tiles move within a second
    // or two; at 300 ms the town alone kept a core busy with 390 readings a second beside
    // chromium starting, and this hook ran past its 60 s on CI's two shared cores
    const config = testConfig(dataDir, { simScale: 0.2, simIntervalMs: 1_000, simFaultRate: 0, liveIntervalMs: 500 });
    platform = await startPlatform(config);
    await startSimulation(platform, config);
    browser = await launchBrowser();
  });

  it('shows a live tile per subsystem whose figures and chart move', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, platform, await addUser(platform, 'viewer'));
    await page.waitForSelector('#conn[data-state="open"]');
    for (const s of ['utilities', 'mobility', 'safety', 'health', 'environment']) {
      await page.waitForFunction((sub) => Number(document.querySelector(`[data-subsystem="${sub}"] .devices`)?.textContent) > 0, s);
    }
    const readingAt = () => page.$eval('[data-subsystem="utilities"]', (el) => Number((el as HTMLElement).dataset.lastReadingAt));
    const first = await readingAt();
    await page.waitForFunction((t) => Number((document.querySelector('[data-subsystem="utilities"]') as HTMLElement).dataset.lastReadingAt) > t, first);
    // the figure and its text read at one instant (the tile changes twice a second): at most
    // two decimals for a band under 10 bar wide (dashboards/src/format.ts), so 4.5 reads "4.5 bar"
    const headline = await page.$eval('[data-subsystem="utilities"] .value', (el) => ({ value: Number((el as HTMLElement).dataset.value), text: el.textContent }));
    expect(headline.value).toBeGreaterThan(0);
    expect(headline.text).toBe(`${new Intl.NumberFormat('en', { maximumFractionDigits: 2 }).format(headline.value)} bar`);
    // the chart gains history points (one a second) and stays inside its tile
    await page.waitForFunction(() => Number((document.querySelector('[data-subsystem="utilities"]') as HTMLElement).dataset.points) >= 3);
    const canvasHeight = await page.$eval('[data-subsystem="utilities"] canvas', (c) => (c as HTMLCanvasElement).getBoundingClientRect().height);
    expect(canvasHeight).toBeGreaterThan(50);
    expect(canvasHeight).toBeLessThan(300);
    await expect(page.title()).resolves.toBe('Qala · Temirtau');
    // the town map (Leaflet) holds every located device, clustered at the town's zoom, with district names
    await page.waitForFunction(() => Number(document.getElementById('map')!.dataset.devices) >= 50);
    const districts = await page.$$eval('#map .district-label span', (ts) => ts.map((t) => t.textContent).sort());
    expect(districts).toEqual(["Aktau settlement", "Metallurgists' Avenue", 'New Town (Sotsgorod)', 'Northern microdistricts', 'Old Town', 'Plant industrial zone']);
    const legendTotal = await page.$$eval('#map-legend .n', (ns) => ns.reduce((n, x) => n + Number(x.textContent), 0));
    expect(legendTotal).toBe(Number(await page.$eval('#map', (m) => (m as HTMLElement).dataset.devices)));
    // every device is on the map, alone or counted in a cluster
    await page.waitForFunction(() => {
      const alone = document.querySelectorAll('#map .device').length;
      const clustered = [...document.querySelectorAll<HTMLElement>('#map .cluster')].reduce((n, c) => n + Number(c.dataset.count), 0);
      return alone + clustered === Number(document.getElementById('map')!.dataset.devices);
    });
    expect(errors).toEqual([]);
  });
});
