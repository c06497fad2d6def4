// The heating season across a restart, on a real platform (broker, ingest, DuckDB
// store, rules) stopped and started again on the same data dir. The season tracker
// applies the five-day +8 °C rule on local days; a platform that forgot them at a
// restart would judge the season by the restart's day alone: a thaw on that day would
// disarm every heating rule in January, a cold day in summer arm them. At start the
// rules replay the outdoor temperatures the store holds (services/rules/season-history.ts).
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { chartFor, heatingSchedule } from '../../devices/index.ts';
import type { Incident } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { client, loginAs } from '../helpers/auth.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const H = 3_600_000;
const DAY = 24 * H;
/** Temirtau's local time, UTC+5 */
const OFFSET = 5 * H;
const SUBSTATION = 'city/temirtau/utilities/new-town/heat-substation/hs-season-1/telemetry';
/** Temirtau's chart (design −32 °C): what a healthy substation supplies */
const CHART = chartFor(-32);

const publish = (device: MqttClient, ts: number, metrics: Record<string, number>) => device.publishAsync(SUBSTATION, JSON.stringify({ ts, metrics }), { qos: 1 });

/** Local midnight of the day 10 minutes ago (so the last minutes' readings fall in today), and the five whole days before it. */
function days(): { today: number; from: number } {
  const today = Math.floor((Date.now() - 10 * 60_000 + OFFSET) / DAY) * DAY - OFFSET;
  // five days back is within the seven days of past the platform accepts
  return { today, from: today - 5 * DAY };
}

/** Hourly healthy readings of the five days before today at `outdoor` °C, then the platform stopped once the rules have had them all. */
async function history(platform: Platform, outdoor: number, from: number, today: number): Promise<void> {
  const device = await connectDevice(platform);
  const healthy = heatingSchedule(outdoor, CHART);
  let n = 0;
  for (let ts = from; ts < today; ts += H, n++) await publish(device, ts, { supplyTemp: healthy.supply, returnTemp: healthy.return, flow: 120, outdoorTemp: outdoor });
  await waitFor(() => platform.rules.engine.stats().readings >= n, `the rules to have the ${n} readings of the five days`);
  // stored and released from the spool, so the next start does not replay them through the rules
  await waitFor(() => platform.intake.stats().unstored === 0, 'the readings stored');
  await device.endAsync();
  await platform.stop();
}

/** Six minutes of today's readings, every 30 s, ending now: circulation lost, 40 °C supply, at `outdoor` °C. */
async function today(platform: Platform, outdoor: number): Promise<number> {
  const device = await connectDevice(platform);
  const end = Date.now();
  let n = 0;
  for (let ts = end - 6 * 60_000; ts <= end; ts += 30_000, n++) await publish(device, ts, { supplyTemp: 40, returnTemp: 35, flow: 30, outdoorTemp: outdoor });
  return n;
}

describe('the heating season survives a restart', () => {
  it('keeps the heating rules armed in a thaw after five cold days: a substation that loses circulation after the restart is a heating failure', async () => {
    const dir = await tempDir();
    const config = testConfig(dir, { rulesSweepMs: 50 });
    const { today: midnight, from } = days();
    const first = await startPlatform(config);
    await history(first, -15, from, midnight);

    const platform = await startPlatform(config);
    // the five cold days came back from the store (the spool replayed nothing): in season before any new reading
    expect(platform.intake.stats().replayed).toBe(0);
    expect(platform.rules.engine.stats().heatingSeason).toBe(true);
    // today thaws to +10 °C: one warm day does not end the season (five in a row do)
    await today(platform, 10);
    const api = client(platform, await loginAs(platform, 'operator'));
    const failure = await waitFor(async () => {
      const j = (await (await api('/api/incidents?rule=heating-failure&state=open')).json()) as { incidents: Incident[] };
      return j.incidents[0];
    }, 'an open heating failure after the restart');
    expect(failure).toMatchObject({ asset: 'hs-season-1', utility: 'heat', severity: 'critical' });
    expect(platform.rules.engine.stats().heatingSeason).toBe(true);
  }, 120_000);

  it('keeps them off in summer: after five warm days a cold day after the restart arms nothing', async () => {
    const dir = await tempDir();
    const config = testConfig(dir, { rulesSweepMs: 50 });
    const { today: midnight, from } = days();
    const first = await startPlatform(config);
    await history(first, 22, from, midnight);

    const platform = await startPlatform(config);
    expect(platform.intake.stats().replayed).toBe(0);
    expect(platform.rules.engine.stats().heatingSeason).toBe(false);
    // a cold day, +5 °C, with the network off for its summer repairs (40 °C in the pipes)
    const signalled: string[] = [];
    const off = platform.events.on('ruleSignalled', 'season-test', (s) => signalled.push(`${s.type}:${s.ruleId}`));
    const before = platform.rules.engine.stats();
    const n = await today(platform, 5);
    const after = await waitFor(() => {
      const s = platform.rules.engine.stats();
      return s.readings >= before.readings + n && s;
    }, "the rules to have today's readings");
    // one cold day does not start the season: no heating rule raised anything
    off();
    expect(after.heatingSeason).toBe(false);
    // (the substation silent since midnight was offline: that incident clears, nothing else)
    expect(signalled.filter((s) => !s.endsWith(':device-offline'))).toEqual([]);
  }, 120_000);
});
