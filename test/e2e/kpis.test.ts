// The city indicators strip in a real browser: readings and a heating failure sent
// over MQTT show up as indicator cards with their trend sparklines and as a
// time-to-freeze line for the outage's district, in the page's language.
import { describe, expect, it } from 'vitest';
import { addUser, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const topic = (subsystem: string, district: string, kind: string, id: string) => `city/temirtau/${subsystem}/${district}/${kind}/${id}/telemetry`;

describe.runIf(browserAvailable())('city indicators panel in chromium', () => {
  it('shows every indicator with its trend, and the time to freeze of an open heating failure', async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { rulesSweepMs: 50 }));
    const device = await connectDevice(platform);
    // device time half an hour back: inside the page's default range (the last hour)
    const base = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
    const send = (t: string, ts: number, metrics: Record<string, number>) => device.publishAsync(t, JSON.stringify({ ts, metrics }), { qos: 1 });
    // PM2.5 of two stations: 10 and 20 (mean 15) in old-town, 30 in new-town: the town's mean 22.5
    await send(topic('environment', 'old-town', 'air-station', 'aq-e2e-1'), base, { pm25: 10, pm10: 20, so2: 5, no2: 8 });
    await send(topic('environment', 'old-town', 'air-station', 'aq-e2e-1'), base + 60_000, { pm25: 20, pm10: 20, so2: 5, no2: 8 });
    await send(topic('environment', 'new-town', 'air-station', 'aq-e2e-2'), base, { pm25: 30, pm10: 40, so2: 15, no2: 12 });
    // new-town's substation loses circulation at −25 °C for 10 minutes: a heating failure that stays open
    for (let i = 0; i <= 20; i++) await send(topic('utilities', 'new-town', 'heat-substation', 'hs-e2e-1'), base + i * 30_000, { supplyTemp: 40, returnTemp: 35, flow: 50, outdoorTemp: -25 });

    const browser = await launchBrowser();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, platform, await addUser(platform, 'viewer'));
    await page.waitForSelector('#kpis [data-kpi="power-saifi"]');
    // the stored readings reach the indicators (the panel polls each minute; a reload asks again)
    await waitFor(async () => {
      const v = await page.$eval('#kpis [data-kpi="air-pm25"] .value', (e) => e.textContent);
      if (v === '22.5') return true;
      await page.reload();
      await page.waitForSelector('#kpis [data-kpi="air-pm25"]');
      return false;
    }, 'PM2.5 22.5 in the panel', 30_000);
    const ids = await page.$$eval('#kpis [data-kpi]', (cs) => cs.map((c) => (c as HTMLElement).dataset.kpi));
    expect(ids).toEqual(expect.arrayContaining(['water-interruption-hours', 'heating-interruption-hours', 'power-saifi', 'power-caidi', 'air-pm25', 'air-pm10', 'air-no2', 'air-so2', 'response-to-acknowledge', 'response-to-resolve', 'water-network-monitored', 'air-stations-per-km2', 'employment-concentration']));
    // over the last hour: sub-periods of 5 minutes; each card with a trend has its sparkline
    expect(await page.$eval('#kpis [data-kpi="air-pm25"]', (c) => Number((c as HTMLElement).dataset.points))).toBeGreaterThanOrEqual(12);
    expect(await page.$$eval('#kpis [data-kpi="air-pm25"] canvas', (cs) => cs.length)).toBe(1);
    // PM2.5 22.5 is above the WHO annual level: marked
    expect(await page.$eval('#kpis [data-kpi="air-pm25"]', (c) => (c as HTMLElement).dataset.exceeded)).toBe('true');
    // the heating failure's time to freeze, in new-town (the panel asks every 30 s; a reload asks at once)
    const line = await waitFor(async () => {
      const li = await page.$('#kpis .freeze li[data-incident]');
      if (li) return li.evaluate((e) => ({ district: (e as HTMLElement).dataset.district, left: Number((e as HTMLElement).dataset.remainingH), text: e.textContent }));
      await page.reload();
      await page.waitForSelector('#kpis [data-kpi]');
      return undefined;
    }, 'a time-to-freeze line', 40_000);
    expect(line.district).toBe('new-town');
    expect(line.left).toBeGreaterThan(0);
    expect(line.text).toMatch(/^new-town: [\d.]+ h to \+12 °C$/);
    // in Kazakh the strip speaks Kazakh
    await page.selectOption('#lang', 'kk');
    await page.waitForFunction(() => document.documentElement.lang === 'kk');
    await expect(page.locator('#kpis [data-kpi="air-pm25"] h3').textContent()).resolves.toBe('PM2.5, орташа');
    await expect(page.locator('#kpis .freeze li').first().textContent()).resolves.toMatch(/^new-town: \+12 °C дейін [\d.,]+ сағ$/);
    expect(errors).toEqual([]);
  });
});
