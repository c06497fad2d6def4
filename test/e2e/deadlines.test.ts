// Deadlines in the pinned incident list, in Debian's chromium against a real
// platform: a pressed care alarm counts down to its response deadline
// (QALA_CARE_ALARM_RESPONSE_MIN, a quarter of a minute here), turns red when it
// passes and, acknowledged late, says when it was missed; a heating failure shows
// its district's time to freeze (services/kpis/freeze-watch.ts) by the district's
// name, in English, Russian and Kazakh.
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { addUser, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const topic = (subsystem: string, district: string, kind: string, id: string) => `city/temirtau/${subsystem}/${district}/${kind}/${id}/telemetry`;
/** the page's red (style.css --bad) */
const RED = 'rgb(248, 81, 73)';

async function setLang(page: Page, lang: string): Promise<void> {
  await page.selectOption('#lang', lang);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

describe.runIf(browserAvailable())('deadlines in the incident list, in chromium', () => {
  let platform: Platform;
  let browser: Browser;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir(), { rulesSweepMs: 50, escalationCheckMs: 100, freezeCheckMs: 100, careAlarmResponseMin: 0.25 }));
    browser = await launchBrowser();
  });

  it('counts a pressed care alarm down to its response deadline, red once passed, and says when it was missed', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await signIn(page, platform, await addUser(platform, 'operator', { name: 'zhanna' }));
    await setLang(page, 'en');
    const device = await connectDevice(platform);
    const now = Date.now();
    for (const ts of [now - 1000, now]) await device.publishAsync(topic('social', 'old-town', 'care-alarm', 'ca-dl-1'), JSON.stringify({ ts, metrics: { pressed: 1, battery: 80 } }), { qos: 1 });
    await device.endAsync();
    const incident = await waitFor(() => platform.incidents.list({ state: 'open' }).find((i) => i.ruleId === 'care-alarm-pressed'), 'the care alarm incident');
    const line = page.locator(`#incident-list li[data-id="${incident.id}"] .deadline.response`);

    // before the deadline: a countdown of minutes and seconds, not red
    await line.and(page.locator(':not(.passed)')).waitFor();
    expect(await line.getAttribute('data-until')).toBe(String(incident.escalation!.deadlineAt));
    expect(await line.textContent()).toMatch(/^⏱ Respond within 00:[0-5]\d$/);
    expect(await line.evaluate((el) => getComputedStyle(el).color)).not.toBe(RED);

    // past it (the page's clock, no reload): overdue, red; the same in Russian and Kazakh
    await page.locator(`#incident-list li[data-id="${incident.id}"] .deadline.response.passed`).waitFor();
    expect(await line.textContent()).toMatch(/^⏱ Response overdue by \d\d:\d\d$/);
    expect(await line.evaluate((el) => getComputedStyle(el).color)).toBe(RED);
    await setLang(page, 'ru');
    expect(await line.textContent()).toMatch(/^⏱ Срок реагирования просрочен на \d\d:\d\d$/);
    await setLang(page, 'kk');
    expect(await line.textContent()).toMatch(/^⏱ Әрекет ету мерзімінен \d\d:\d\d асты$/);
    await setLang(page, 'en');

    // acknowledged late: no countdown, the miss stays, in red
    const missed = await waitFor(() => platform.incidents.get(incident.id).escalation?.deadlineMissedAt, 'the miss recorded');
    await page.locator(`#incident-list li[data-id="${incident.id}"] button[data-action="acknowledge"]`).click();
    const after = page.locator(`#incident-list li[data-id="${incident.id}"][data-state="acknowledged"] .deadline`);
    await after.waitFor();
    expect(await after.getAttribute('data-kind')).toBe('missed');
    const shown = new Date(missed + 300 * 60_000).toISOString().slice(11, 16);
    expect(await after.textContent()).toBe(`⏱ Response deadline missed at ${shown}`);
    expect(await after.evaluate((el) => getComputedStyle(el).color)).toBe(RED);
    await page.close();
  });

  it("shows a heating failure's time to freeze by its district's name, in the three languages", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await signIn(page, platform, await addUser(platform, 'viewer'));
    await setLang(page, 'en');
    const device = await connectDevice(platform);
    // device time an hour back: circulation lost (40 °C supply) at −20 °C outdoors, as test/integration/kpis.test.ts
    const base = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
    for (let i = 0; i <= 20; i++) {
      await device.publishAsync(topic('utilities', 'new-town', 'heat-substation', 'hs-dl-1'), JSON.stringify({ ts: base + i * 30_000, metrics: { supplyTemp: 40, returnTemp: 35, flow: 50, outdoorTemp: -20 } }), { qos: 1 });
    }
    await device.endAsync();
    const incident: Incident = await waitFor(() => platform.incidents.list({ state: 'open' }).find((i) => i.ruleId === 'heating-failure' && i.timeToFreeze), 'the heating failure with its time to freeze');
    const f = incident.timeToFreeze!;
    expect(f.limitAt).toBeGreaterThan(Date.now());
    const line = page.locator(`#incident-list li[data-id="${incident.id}"] .deadline.freeze`);
    await line.waitFor();
    expect(await line.getAttribute('data-until')).toBe(String(f.limitAt));
    const at = new Date(f.limitAt! + 300 * 60_000).toISOString().slice(11, 16);
    // "New Town (Sotsgorod): 7 h 54 min to +12 °C indoors (-20 °C outside, at 21:30)"
    expect(await line.textContent()).toMatch(new RegExp(`^❄ New Town \\(Sotsgorod\\): \\d+ h \\d+ min to \\+12 °C indoors \\(.20 °C outside, at ${at}\\)$`));
    expect(await line.evaluate((el) => el.classList.contains('passed'))).toBe(false);
    await setLang(page, 'ru');
    expect(await line.textContent()).toMatch(new RegExp(`^❄ New Town \\(Sotsgorod\\): \\d+ ч \\d+ мин до \\+12 °C в квартирах \\(на улице .20 °C, в ${at}\\)$`));
    await setLang(page, 'kk');
    expect(await line.textContent()).toMatch(new RegExp(`^❄ New Town \\(Sotsgorod\\): пәтерлерде \\+12 °C дейін \\d+ сағ \\d+ мин \\(сыртта .20 °C, сағат ${at}\\)$`));
    await page.close();
  });
});
