// Silences from the control room in Debian's chromium: an operator creates a
// maintenance window in the page; an outage under it through MQTT and the rules is
// recorded and marked planned (the incident view says so) and its webhook is not
// sent, while one outside it is; a weekly window is stored as the form said; ending
// one from the page ends it; a viewer sees the list without a button.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../dashboards/src/i18n/en.ts';
import type { SilenceView } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { addUser, client, loginAs, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';
import { webhookReceiver } from '../helpers/webhook.ts';

const SECRET = 'a-webhook-secret-for-tests-0123456789';

async function outage(platform: Platform, district: string, feeder: string): Promise<void> {
  const device = await connectDevice(platform);
  await device.publishAsync(`city/temirtau/utilities/${district}/power-feeder/${feeder}/status`, JSON.stringify({ state: 'online', location: [50.117, 73.01] }), { qos: 1, retain: true });
  const t0 = Date.now() - 60_000;
  for (let i = 0; i <= 4; i++) await device.publishAsync(`city/temirtau/utilities/${district}/power-feeder/${feeder}/telemetry`, JSON.stringify({ ts: t0 + i * 10_000, metrics: { voltage: 0, load: 0 } }), { qos: 1 });
  await device.endAsync();
}

async function openSilences(page: Page): Promise<void> {
  await page.locator('#views-nav a[data-view="silences"]').click();
  await page.locator('#view .silences-view .view-head').waitFor();
}

describe.runIf(browserAvailable())('silences in chromium', () => {
  let platform: Platform;
  let browser: Browser;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;

  beforeAll(async () => {
    hook = await webhookReceiver();
    const dataDir = await tempDir();
    const routesFile = join(dataDir, 'routes.yaml');
    await writeFile(routesFile, `routes:\n  - utility: power\n    match: { utilities: [power] }\n    webhook: { url: "${hook.url}", secret: "${SECRET}" }\n`);
    platform = await startPlatform(testConfig(dataDir, { routesFile }));
    browser = await launchBrowser();
  });

  it('a silence created in the page withholds the webhook, and the incident is recorded as planned', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await signIn(page, platform, await addUser(platform, 'operator', { name: 'erlan' }));
    await openSilences(page);
    await page.locator('#view .silences-view .none').waitFor();
    const form = page.locator('#view form.new-silence');
    await form.locator('select[name="utility"]').selectOption('power');
    await form.locator('select[name="district"]').selectOption('aktau');
    await form.locator('textarea[name="comment"]').fill('feeder 7 maintenance, order 2026/51');
    // the start is a minute ago on the town's clock (the form's default is now, to the minute)
    await form.locator('input[name="startsAt"]').fill(new Date(Date.now() + 300 * 60_000 - 60_000).toISOString().slice(0, 16).replace('T', ' '));
    await form.locator('button[data-action="create"]').click();
    const row = page.locator('#view li.silence[data-state="active"]');
    await row.waitFor();
    await expect(row.locator('.why').textContent()).resolves.toBe('feeder 7 maintenance, order 2026/51');
    const [silence] = platform.silences.list();
    expect(silence).toMatchObject({ createdBy: 'erlan', match: { utility: 'power', district: 'aktau' }, comment: 'feeder 7 maintenance, order 2026/51', state: 'active' });

    // an outage in aktau (silenced), then one in old-town (not)
    await outage(platform, 'aktau', 'pf-sil-1');
    const planned = await waitFor(() => platform.incidents.list({}).find((i) => i.asset === 'pf-sil-1'), 'the silenced outage recorded');
    await outage(platform, 'old-town', 'pf-sil-2');
    const unplanned = await waitFor(() => platform.incidents.list({}).find((i) => i.asset === 'pf-sil-2'), 'the other outage recorded');
    await waitFor(() => hook.events().some((e) => e.incident.id === unplanned.id), 'the unsilenced outage delivered');
    expect(planned).toMatchObject({ planned: true, plannedBy: silence!.id });
    expect(unplanned.planned).toBeFalsy();
    expect(hook.events().filter((e) => e.incident.id === planned.id)).toEqual([]);

    // the page shows it as planned works, in the list's row and in its view
    await page.locator(`#incident-list li[data-id="${planned.id}"] .title`).click();
    await page.locator(`#view .incident-view[data-id="${planned.id}"] .incident-info .planned`).waitFor();
    expect(await page.locator(`#view .incident-view .incident-info .planned`).count()).toBe(1);
    await page.locator(`#incident-list li[data-id="${unplanned.id}"] .title`).click();
    await page.locator(`#view .incident-view[data-id="${unplanned.id}"] .incident-info .title`).waitFor();
    expect(await page.locator('#view .incident-view .incident-info .planned').count()).toBe(0);

    // ended from the page
    await openSilences(page);
    await page.locator(`#view li.silence[data-id="${silence!.id}"] button[data-action="expire"]`).click();
    await page.locator('#view .silences-view .none').waitFor();
    expect(platform.silences.list().find((s) => s.id === silence!.id)).toMatchObject({ state: 'expired', expiredBy: 'erlan' });
    await page.close();
  });

  it('stores a weekly window as the form says, and refuses one without a reason', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, platform, await addUser(platform, 'operator'));
    await openSilences(page);
    const form = page.locator('#view form.new-silence');
    await form.locator('select[name="utility"]').selectOption('water');
    await form.locator('input[name="device"]').fill('wp-0001');
    await form.locator('input[name="startsAt"]').fill('2030-01-08 09:00');
    await form.locator('input[name="endsAt"]').fill('2030-03-31 00:00');
    await form.locator('select[name="repeat"]').selectOption('weekly');
    await form.locator('input[name="byDay"][value="2"]').check();
    await form.locator('input[name="byDay"][value="4"]').check();
    await form.locator('input[name="hours"]').fill('4');
    await form.locator('button[data-action="create"]').click();
    await expect(page.locator('#view .view-status').textContent()).resolves.toBe(en['silences.needWhy']);
    await form.locator('textarea[name="comment"]').fill('mains flushing, order 2026/114');
    await form.locator('button[data-action="create"]').click();
    await page.locator('#view li.silence[data-state="pending"]').waitFor();
    const created = (await (await client(platform, await loginAs(platform, 'viewer'))('/api/silences?state=pending')).json()) as { silences: SilenceView[] };
    expect(created.silences).toHaveLength(1);
    expect(created.silences[0]).toMatchObject({
      match: { utility: 'water', device: 'wp-0001' },
      startsAt: Date.UTC(2030, 0, 8, 4, 0),
      endsAt: Date.UTC(2030, 2, 30, 19, 0),
      recurrence: { freq: 'weekly', byDay: [2, 4], durationMs: 4 * 3_600_000, utcOffsetMinutes: 300 },
    });
    await expect(page.locator('#view li.silence[data-state="pending"] .repeat').textContent()).resolves.toBe('weekly: Tue, Thu, 4 h');
    await page.close();
  });

  it('holds a utility user to its own utility', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, platform, await addUser(platform, 'utility', { name: 'heat-sil', utility: 'heat' }));
    await openSilences(page);
    // the water window of the test before is not theirs to see
    await page.locator('#view .silences-view .none').waitFor();
    const form = page.locator('#view form.new-silence');
    expect(await form.locator('select[name="utility"]').isDisabled()).toBe(true);
    await expect(form.locator('select[name="utility"]').inputValue()).resolves.toBe('heat');
    await form.locator('select[name="district"]').selectOption('aktau');
    await form.locator('textarea[name="comment"]').fill('substation 3 overhaul');
    await form.locator('button[data-action="create"]').click();
    await page.locator('#view li.silence').waitFor();
    expect(platform.silences.list().find((s) => s.comment === 'substation 3 overhaul')).toMatchObject({ createdBy: 'heat-sil', match: { utility: 'heat', district: 'aktau' } });
    await page.close();
  });

  it('shows a viewer the silences without a button or a form', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, platform, await addUser(platform, 'viewer'));
    await openSilences(page);
    await page.locator('#view li.silence').first().waitFor();
    expect(await page.locator('#view button').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-action')))).toEqual(['close']);
    expect(await page.locator('#view form').count()).toBe(0);
    await page.close();
  });
});
