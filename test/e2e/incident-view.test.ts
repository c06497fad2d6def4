// The incident view in Debian's chromium, on a real platform fed over MQTT: opened
// from the list (and by its link), it charts the feeder's stored readings around the
// opening with the evidence, shows the history, takes a comment and an assignee,
// and resolves only through a dialog that needs a comment; a viewer gets no button.
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../dashboards/src/i18n/en.ts';
import type { Platform } from '../../services/platform.ts';
import { addUser, baseUrl, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

/** A feeder at 0 V for 40 s (the power-outage rule), ten minutes ago; resolves with its incident's id once the platform has it and the store holds its readings. */
async function outage(platform: Platform, feeder: string): Promise<string> {
  const device = await connectDevice(platform);
  await device.publishAsync(`city/temirtau/utilities/aktau/power-feeder/${feeder}/status`, JSON.stringify({ state: 'online', location: [50.117, 73.01] }), { qos: 1, retain: true });
  const t0 = Date.now() - 10 * 60_000;
  for (let i = 0; i <= 4; i++) {
    await device.publishAsync(`city/temirtau/utilities/aktau/power-feeder/${feeder}/telemetry`, JSON.stringify({ ts: t0 + i * 10_000, metrics: { voltage: i < 1 ? 230 : 0, load: 0 } }), { qos: 1 });
  }
  await device.endAsync();
  const incident = await waitFor(() => platform.incidents.list({ state: 'open' }).find((i) => i.asset === feeder), `an incident on ${feeder}`);
  await waitFor(async () => (await platform.store.series({ deviceId: feeder, metric: 'voltage', from: t0 - 60_000, to: Date.now(), stepMs: 10_000 })).length >= 5, `${feeder}'s readings stored`);
  return incident.id;
}

const open = async (page: Page, id: string) => {
  await page.locator(`#incident-list li.incident[data-id="${id}"] .title`).click();
  await page.locator(`#view .incident-view[data-id="${id}"] .incident-info .title`).waitFor();
};

describe.runIf(browserAvailable())('incident view in chromium', () => {
  let platform: Platform;
  let browser: Browser;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    browser = await launchBrowser();
  });

  it('opens from the list with its evidence chart, devices on the map and history; comments and assigns', async () => {
    const id = await outage(platform, 'pf-iv-1');
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await signIn(page, platform, await addUser(platform, 'operator', { name: 'marat' }));
    await open(page, id);
    expect(new URL(page.url()).hash).toBe(`#incident/${id}`);
    // the voltage chart: the stored readings from /api/series and the evidence readings as dots
    const chart = page.locator('#view figure.evidence[data-metric="voltage"]');
    await chart.locator('canvas').waitFor();
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#view figure.evidence[data-metric="voltage"]')?.dataset.series) >= 5);
    expect(Number(await chart.getAttribute('data-evidence'))).toBeGreaterThan(0);
    await page.locator('#map .device.highlight[data-device="pf-iv-1"]').waitFor();
    await expect(page.locator('#view ol.history li').first().getAttribute('data-action')).resolves.toBe('opened');
    await expect(page.locator('#view .facts dd.opened').textContent()).resolves.toMatch(/^\d{2}\/\d{2}, \d{2}:\d{2}$/);
    // the incident column stays on screen beside the view at 1280x720
    const item = (await page.locator(`#incident-list li[data-id="${id}"]`).boundingBox())!;
    expect(item.y + item.height).toBeLessThanOrEqual(720);
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBe(720);

    // a comment
    await page.locator('#view .comment-form textarea').fill('crew 4 on the way');
    await page.locator('#view .comment-form button[data-action="comment"]').click();
    await page.locator('#view ul.comments li', { hasText: 'crew 4 on the way' }).waitFor();
    expect(platform.incidents.get(id).history.at(-1)).toMatchObject({ action: 'commented', by: 'marat', comment: 'crew 4 on the way' });
    // an empty comment is not sent
    await page.locator('#view .comment-form button[data-action="comment"]').click();
    await expect(page.locator('#view .view-status').textContent()).resolves.toBe(en['incident.commentEmpty']);

    // the assignee picker offers who may act (GET /api/incidents/:id/assignees); a water utility user is not among them
    await addUser(platform, 'utility', { name: 'water-iv', utility: 'water' });
    await addUser(platform, 'utility', { name: 'power-iv', utility: 'power' });
    await page.reload();
    await page.locator(`#view .incident-view[data-id="${id}"] select.assignee option[value="power-iv"]`).waitFor({ state: 'attached' });
    expect(await page.locator('#view select.assignee option[value="water-iv"]').count()).toBe(0);
    await page.selectOption('#view select.assignee', 'power-iv');
    await page.locator('#view button[data-action="assign"]').click();
    await waitFor(() => platform.incidents.get(id).assignee === 'power-iv', 'assigned to power-iv');
    await expect(page.locator('#view .facts dd.assignee').textContent()).resolves.toBe('power-iv');
    await page.locator('#view ol.history li[data-action="assigned"]').waitFor();

    // closing the view clears the highlight and the hash; the link opens it again
    await page.locator('#view button[data-action="close"]').click();
    await page.waitForSelector('#view', { state: 'hidden' });
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.locator('#map .highlight').count()).toBe(0);
    await page.goto(`${baseUrl(platform)}/#incident/${id}`);
    await page.locator(`#view .incident-view[data-id="${id}"] .incident-info .title`).waitFor();
    await page.locator(`#incident-list li.selected[data-id="${id}"]`).waitFor();
    await page.close();
  });

  it('resolves only after confirming with a comment: cancel leaves it open, an empty comment is refused', async () => {
    const id = await outage(platform, 'pf-iv-2');
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, platform, await addUser(platform, 'operator', { name: 'saule' }));
    await open(page, id);
    const dialog = page.locator('#resolve-dialog');
    await page.locator('#view button[data-action="resolve"]').click();
    await dialog.waitFor();
    await dialog.locator('button[data-action="cancel-resolve"]').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(platform.incidents.get(id).state).toBe('open');

    await page.locator('#view button[data-action="resolve"]').click();
    await dialog.locator('button[data-action="confirm-resolve"]').click();
    await expect(dialog.locator('.dialog-status').textContent()).resolves.toBe(en['incidents.commentNeeded']);
    expect(await dialog.isVisible()).toBe(true);
    expect(platform.incidents.get(id).state).toBe('open');

    await dialog.locator('textarea').fill('feeder switched to the reserve line');
    await dialog.locator('button[data-action="confirm-resolve"]').click();
    await dialog.waitFor({ state: 'hidden' });
    await waitFor(() => platform.incidents.get(id).state === 'resolved', 'resolved from the view');
    expect(platform.incidents.get(id).history.at(-1)).toMatchObject({ action: 'resolved', by: 'saule', comment: 'feeder switched to the reserve line' });
    // the view stays on the resolved incident, with no more actions; the list has let it go
    await page.locator('#view .incident-info .state[data-state="resolved"]').waitFor();
    expect(await page.locator('#view .view-actions').count()).toBe(0);
    await page.locator(`#incident-list li[data-id="${id}"]`).waitFor({ state: 'detached' });
    await page.close();
  });

  it('keeps the view, the map and the incident column on a 2560x1440 wall without a scrollbar', async () => {
    const id = await outage(platform, 'pf-iv-4');
    const page = await browser.newPage({ viewport: { width: 2560, height: 1440 } });
    await signIn(page, platform, await addUser(platform, 'viewer'));
    await page.waitForSelector('html.wall');
    await open(page, id);
    await page.locator('#view figure.evidence canvas').first().waitFor();
    const m = await page.evaluate(() => {
      const box = (sel: string) => document.querySelector(sel)!.getBoundingClientRect();
      return { h: document.documentElement.scrollHeight, w: document.documentElement.scrollWidth, view: box('#view').width, map: box('#map-panel').width, incidentsRight: box('#incidents').right };
    });
    expect(m).toMatchObject({ h: 1440, w: 2560 });
    expect(m.view).toBeGreaterThan(700);
    expect(m.map).toBeGreaterThan(500);
    expect(m.incidentsRight).toBeGreaterThan(2500);
    await page.close();
  });

  it('offers a viewer no action in the view', async () => {
    const id = await outage(platform, 'pf-iv-3');
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, platform, await addUser(platform, 'viewer'));
    await open(page, id);
    await page.locator('#view ol.history li').first().waitFor();
    // only the view's own close button
    expect(await page.locator('#view button').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-action')))).toEqual(['close']);
    expect(await page.locator('#view textarea, #view select').count()).toBe(0);
    await page.close();
  });
});
