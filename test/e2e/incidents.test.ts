// An operator signed in to the browser acknowledges and resolves an incident raised
// from real MQTT readings; the panel and the API agree, and the history names them.
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../services/platform.ts';
import { addUser, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

describe.runIf(browserAvailable())('incident panel in chromium', () => {
  let platform: Platform;
  let browser: Browser;

  // the browser, the platform and its data dir are released by the helpers once the file ends
  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    browser = await launchBrowser();
  });

  it('shows a new incident live and lets the signed-in operator acknowledge and resolve it', async () => {
    const page = await browser.newPage();
    await signIn(page, platform, await addUser(platform, 'operator', { name: 'aigerim' }));
    await page.waitForSelector('#conn[data-state="open"]');
    await page.locator('#incident-list li.none').waitFor();

    const device = await connectDevice(platform);
    await device.publishAsync('city/temirtau/utilities/aktau/power-feeder/pf-e2e-1/status', JSON.stringify({ state: 'online', location: [50.117, 73.01] }), { qos: 1, retain: true });
    await device.publishAsync('city/temirtau/utilities/aktau/power-feeder/pf-e2e-2/status', JSON.stringify({ state: 'online', location: [50.118, 73.02] }), { qos: 1, retain: true });
    const t0 = Date.now() - 10 * 60_000;
    for (let i = 0; i <= 4; i++) {
      await device.publishAsync('city/temirtau/utilities/aktau/power-feeder/pf-e2e-1/telemetry', JSON.stringify({ ts: t0 + i * 10_000, metrics: { voltage: 0, load: 0 } }), { qos: 1 });
    }
    await device.endAsync();

    const row = page.locator('#incident-list li.incident[data-state="open"]', { hasText: 'pf-e2e-1' });
    await row.waitFor();
    await expect(row.locator('.sev').textContent()).resolves.toBe('critical');
    const id = await row.getAttribute('data-id');
    // on the map the feeder in the incident is red; its healthy neighbour is not
    // (side by side they may share a cluster at the town's zoom: it takes the worst colour, and a click splits it)
    await page.locator('#map .device.incident[data-device="pf-e2e-1"], #map .cluster.incident').first().waitFor();
    if ((await page.locator('#map .cluster').count()) > 0) await page.locator('#map .cluster').first().click();
    await page.locator('#map .device.incident[data-device="pf-e2e-1"]').waitFor();
    expect(await page.locator('#map .device[data-device="pf-e2e-2"]').getAttribute('class')).not.toContain('incident');

    await row.locator('button[data-action="acknowledge"]').click();
    await page.locator(`#incident-list li[data-id="${id}"][data-state="acknowledged"]`).waitFor();
    expect(platform.incidents.get(id!).history.at(-1)).toMatchObject({ action: 'acknowledged', by: 'aigerim' });
    await expect(page.locator('#incident-status').textContent()).resolves.toBe(`${id}: acknowledged by aigerim`);

    const item = page.locator(`#incident-list li[data-id="${id}"]`);
    await item.locator('button[data-action="resolve"]').click();
    await item.locator('textarea').fill('feeder back on');
    await item.locator('button[data-action="confirm-resolve"]').click();
    await waitFor(() => platform.incidents.get(id!).state === 'resolved', 'resolved via the dashboard');
    await item.waitFor({ state: 'detached' });
  });
});
