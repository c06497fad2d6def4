// Tile charts read their range from the store: after a restart (the live hub's own
// history gone) the page shows the last hour at once, on a time axis in the town's
// 24-hour clock, over a fixed range from the catalog's normal band (4.08-4.13 bar
// stays a flat line inside 2.5-6, not a cliff).
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../services/platform.ts';
import { addUser, client, loginAs, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

describe.runIf(browserAvailable())('tile history in chromium', () => {
  let platform: Platform;
  let browser: Browser;
  const start = Date.now() - 50 * 60_000;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    // two pressure points reporting every minute for the last 50 minutes, 4.08-4.13 bar
    const device = await connectDevice(platform);
    for (let i = 0; i < 50; i++) {
      for (const [id, v] of [['wp-h-1', 4.08], ['wp-h-2', 4.13]] as const) {
        await device.publishAsync(`city/temirtau/utilities/old-town/water-pressure/${id}/telemetry`, JSON.stringify({ ts: start + i * 60_000, metrics: { pressure: v, flow: 50 } }), { qos: 1 });
      }
    }
    await device.endAsync();
    const admin = await loginAs(platform, 'admin');
    await waitFor(async () => {
      const res = await client(platform, admin)('/api/history?subsystem=utilities');
      const body = (await res.json()) as { points: unknown[] };
      return body.points.length >= 150;
    }, 'the readings stored', 20_000);
    await platform.stop();
    await platform.start();
    browser = await launchBrowser();
  });

  it('shows the last hour from the store at once after a restart, on the town clock and a fixed range', async () => {
    const res = await client(platform, await loginAs(platform, 'admin'))('/api/history?subsystem=utilities');
    const body = (await res.json()) as { kind: string; metric: string; unit: string; aggregate: string; devices: number; points: { value: number }[] };
    expect(body).toMatchObject({ kind: 'water-pressure', metric: 'pressure', unit: 'bar', aggregate: 'mean', devices: 2 });
    // the mean of the two points, never one of them alone
    expect(new Set(body.points.map((p) => p.value))).toEqual(new Set([4.11]));

    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, platform, await addUser(platform, 'viewer'));
    await page.waitForSelector('#tiles[data-history="1h"]');
    const tile = page.locator('[data-subsystem="utilities"]');
    const points = Number(await tile.getAttribute('data-points'));
    expect(points).toBeGreaterThanOrEqual(150);
    expect(Number(await tile.getAttribute('data-first-point'))).toBeLessThan(start + 60_000);
    await page.waitForFunction(() => Boolean((document.querySelector('[data-subsystem="utilities"]') as HTMLElement).dataset.yRange));
    const [lo, hi] = (await tile.getAttribute('data-y-range'))!.split('..').map(Number);
    expect(lo).toBeLessThanOrEqual(2.5);
    expect(hi).toBeGreaterThanOrEqual(6);
    const ticks = (await tile.getAttribute('data-x-ticks'))!.split('|');
    expect(ticks.length).toBeGreaterThan(0);
    for (const label of ticks) expect(label).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
    // the range picker reads the store again
    await page.selectOption('#range', '24h');
    await page.waitForSelector('#tiles[data-history="24h"]');
    expect(Number(await tile.getAttribute('data-points'))).toBeGreaterThan(0);
    await page.close();
  });
});
