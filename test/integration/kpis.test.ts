// City indicators from a real platform: feeders, substations, pressure points and air
// stations report over MQTT, the built-in rules raise a feeder outage (which clears),
// a heating failure (which lasts) and low water pressure inside a maintenance window
// (planned works), and /api/kpis and /api/kpis/freeze answer the indicators computed
// from those incidents and the stored readings.
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import type { FreezeReport, Incident, IncidentMessage, Indicator, KpiReport } from '../../services/contracts/index.ts';
import { client, loginAs } from '../helpers/auth.ts';
import { connectDevice, connectWatcher } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const H = 3_600_000;
const STEP = 30_000;
const topic = (subsystem: string, district: string, kind: string, id: string) => `city/temirtau/${subsystem}/${district}/${kind}/${id}/telemetry`;

async function publish(device: MqttClient, t: string, ts: number, metrics: Record<string, number>): Promise<void> {
  await device.publishAsync(t, JSON.stringify({ ts, metrics }), { qos: 1 });
}

describe('city indicators on a running platform', () => {
  it('computes SAIFI, CAIDI, response times, air means and time to freeze from live incidents and readings', async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { rulesSweepMs: 50 }));
    const operator = await loginAs(platform, 'operator', { name: 'dana' });
    const api = client(platform, operator);
    const device = await connectDevice(platform);
    // device time three hours back (within the clock-skew window), on a whole minute
    const base = Math.floor(Date.now() / 60_000) * 60_000 - 3 * H;

    // Feeder pf-kpi-1 (old-town's only feeder the platform knows): 0 V from 1 min to 7 min, 230 V after; the rule
    // clears after 2 min of good readings. Substation hs-kpi-1 (new-town): circulation lost (40 °C supply) at −25 °C outdoors throughout.
    // planned works on aktau's water network: a maintenance window open now (silences are judged on the platform's clock)
    const window = await api('/api/silences', { method: 'POST', body: { match: { utility: 'water', district: 'aktau' }, startsAt: Date.now() - 60_000, endsAt: Date.now() + H, comment: 'main replacement, order 17' } });
    expect(window.status).toBe(201);
    const feeder = topic('utilities', 'old-town', 'power-feeder', 'pf-kpi-1');
    // aktau's pressure point wp-kpi-1: 1.5 bar for 4.5 min, then 3 bar (the rule clears after 5 min of good pressure)
    const point = topic('utilities', 'aktau', 'water-pressure', 'wp-kpi-1');
    const substation = topic('utilities', 'new-town', 'heat-substation', 'hs-kpi-1');
    for (let i = 0; i <= 24; i++) {
      const ts = base + i * STEP;
      await publish(device, feeder, ts, { voltage: i >= 2 && i < 14 ? 0 : 230, load: 40 });
      await publish(device, substation, ts, { supplyTemp: 40, returnTemp: 35, flow: 50, outdoorTemp: -25 });
      await publish(device, point, ts, { pressure: i < 9 ? 1.5 : 3, flow: 80 });
    }
    // air: old-town's station 10 then 20 µg/m³ PM2.5 (mean 15), new-town's 30: the town's mean (15 + 30) / 2 = 22.5
    await publish(device, topic('environment', 'old-town', 'air-station', 'aq-kpi-1'), base + 60_000, { pm25: 10, pm10: 20, so2: 5, no2: 8 });
    await publish(device, topic('environment', 'old-town', 'air-station', 'aq-kpi-1'), base + 120_000, { pm25: 20, pm10: 20, so2: 5, no2: 8 });
    await publish(device, topic('environment', 'new-town', 'air-station', 'aq-kpi-2'), base + 60_000, { pm25: 30, pm10: 40, so2: 15, no2: 12 });

    const incidentOf = (ruleId: string, state?: string) =>
      waitFor(async () => {
        const j = (await (await api(`/api/incidents?rule=${ruleId}${state ? `&state=${state}` : ''}`)).json()) as { incidents: Incident[] };
        return j.incidents[0];
      }, `a ${state ?? ''} ${ruleId} incident`);
    const outage = await incidentOf('power-outage', 'resolved');
    const heating = await incidentOf('heating-failure', 'open');
    const lowPressure = await waitFor(async () => {
      const i = await incidentOf('water-low-pressure');
      return i.conditionCleared && i;
    }, 'the low pressure cleared');
    expect(lowPressure.planned).toBe(true);
    // an operator acknowledges the heating failure: detection to acknowledgement is then known
    const acked = (await (await api(`/api/incidents/${heating.id}/acknowledge`, { method: 'POST', body: { comment: 'crew sent' } })).json()) as Incident;

    const from = base - H;
    const report = await waitFor(async () => {
      const r = (await (await api(`/api/kpis?from=${from}`)).json()) as KpiReport;
      const pm = r.indicators.find((i) => i.id === 'air-pm25');
      return pm?.value === 22.5 && r;
    }, 'the air readings stored and in the indicators');
    const get = (id: string): Indicator => report.indicators.find((i) => i.id === id)!;
    expect(report).toMatchObject({ town: 'temirtau', from });

    // Temirtau: 178,400 people; old-town 38,000; 3.5 persons a household. The outage cut off old-town's only known
    // feeder, i.e. all 38,000 / 3.5 households, of 178,400 / 3.5 served: SAIFI = 38,000 / 178,400.
    const minutes = (outage.resolvedAt! - outage.openedAt) / 60_000;
    expect(minutes).toBeGreaterThan(5); // sustained (IEEE 1366), so it counts
    expect(get('power-saifi').value).toBeCloseTo(38_000 / 178_400, 9);
    // CAIDI: one interruption, so its own duration
    expect(get('power-caidi').value).toBeCloseTo(minutes, 9);
    // the heating failure is still on: its hours so far over the town's households, new-town's 52,000 of 178,400 people
    const heat = get('heating-interruption-hours');
    expect(heat.value).toBeGreaterThan(0);
    expect(heat.parts).toMatchObject({ interruptions: 1, planned: 0 });
    // response times: the outage resolved itself (the only resolution), the heating failure was acknowledged (the only acknowledgement)
    expect(get('response-to-resolve').value).toBeCloseTo(minutes, 9);
    expect(get('response-to-acknowledge').value).toBeCloseTo((acked.acknowledgedAt! - acked.openedAt) / 60_000, 9);
    // air: NO2 (8 + 12) / 2 = 10, SO2 (5 + 15) / 2 = 10
    expect(get('air-no2').value).toBe(10);
    expect(get('air-so2').value).toBe(10);
    expect(get('air-pm25').guidelines![0]).toMatchObject({ value: 5, exceeded: true });
    // 2 air stations reported, over Temirtau's 296.1 km²; Qarmet's 34,000 of 105,345 working-age residents
    expect(get('air-stations-per-km2').value).toBeCloseTo(2 / 296.1, 12);
    expect(get('employment-concentration').value).toBeCloseTo((100 * 34_000) / 105_345, 9);
    // water: the planned low pressure cut off aktau's one known point, all its 9,400 / 3.5 households, of 178,400 / 3.5:
    // its hours × 9,400 / 178,400, all planned
    const cleared = [...lowPressure.history].reverse().find((c) => c.action === 'condition-cleared' || c.action === 'auto-resolved')!.at;
    const water = get('water-interruption-hours');
    expect(water.value).toBeCloseTo(((cleared - lowPressure.openedAt) / H) * (9_400 / 178_400), 9);
    expect(water.parts).toMatchObject({ unplanned: 0, interruptions: 1 });
    expect(water.parts!.planned).toBeCloseTo(water.value!, 12);
    expect(water.value).toBeGreaterThan(0);
    // aktau's pressure point reported: its 9,400 of 178,400 residents' households are monitored
    expect(get('water-network-monitored').value).toBeCloseTo((100 * 9_400) / 178_400, 9);

    // time to freeze of the open heating failure, at new-town's −25 °C: 40 · ln((20 + 25) / (12 + 25))
    const freeze = (await (await api('/api/kpis/freeze')).json()) as FreezeReport;
    expect(freeze.estimates).toHaveLength(1);
    expect(freeze.estimates[0]).toMatchObject({ incidentId: heating.id, district: 'new-town', outdoorC: -25, limitC: 12, tauH: 40 });
    expect(freeze.estimates[0]!.hoursToLimit).toBeCloseTo(40 * Math.log(45 / 37), 9);

    // a range past QALA_KPI_MAX_RANGE_DAYS is refused, and so is anyone not logged in
    const tooLong = await api(`/api/kpis?from=${from - 400 * 24 * H}&to=${from}`);
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'ERR_QUERY_INVALID', message: expect.stringContaining('QALA_KPI_MAX_RANGE_DAYS') });
    expect((await client(platform, undefined)('/api/kpis')).status).toBe(401);
    expect((await client(platform, undefined)('/api/kpis/freeze')).status).toBe(401);
  });

  it('carries the time to freeze on a heating failure, published over MQTT, and brings it forward when it gets colder', async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { rulesSweepMs: 50, freezeCheckMs: 100 }));
    const api = client(platform, await loginAs(platform, 'operator', { name: 'aigerim' }));
    const watcher = await connectWatcher(platform);
    const heard: IncidentMessage[] = [];
    watcher.on('message', (_t, p) => p.length > 0 && heard.push(JSON.parse(p.toString()) as IncidentMessage));
    await watcher.subscribeAsync('city/temirtau/incidents/heat/#', { qos: 1 });
    const device = await connectDevice(platform);
    const substation = topic('utilities', 'new-town', 'heat-substation', 'hs-ttf-1');
    // device time an hour back: circulation lost (40 °C supply) at −20 °C outdoors for 10 minutes
    const base = Math.floor(Date.now() / 60_000) * 60_000 - H;
    for (let i = 0; i <= 20; i++) await publish(device, substation, base + i * STEP, { supplyTemp: 40, returnTemp: 35, flow: 50, outdoorTemp: -20 });

    const opened = await waitFor(() => heard.find((m) => m.event === 'incident.opened' && m.incident.ruleId === 'heating-failure'), 'the heating failure published on the heat topic');
    const first = opened.incident.timeToFreeze!;
    // the flats from +20 °C to +12 °C at −20 °C outdoors with τ = 40 h (the assumed default, services/kpis/profile.ts): 40 · ln(40 / 32) = 8.9257 h after the failure began
    expect(first).toMatchObject({ outdoorC: -20, tauH: 40, indoorStartC: 20, limitC: 12 });
    expect((first.limitAt! - opened.incident.openedAt) / H).toBeCloseTo(40 * Math.log(40 / 32), 6);
    expect(first.remainingH).toBeGreaterThan(0);

    // a cold snap: −30 °C; the estimate is made again from where the flats have cooled to, and published
    for (let i = 21; i <= 24; i++) await publish(device, substation, base + i * STEP, { supplyTemp: 40, returnTemp: 35, flow: 50, outdoorTemp: -30 });
    const again = await waitFor(() => heard.find((m) => m.event === 'incident.freeze-estimated' && m.incident.id === opened.incident.id), 'the new estimate published');
    const colder = again.incident.timeToFreeze!;
    expect(colder.outdoorC).toBe(-30);
    expect(colder.limitAt!).toBeLessThan(first.limitAt!);
    // hand-checked against the model: the flats at −20 + 40 · e^(−t/40) after t hours at −20 °C, then 40 · ln((T − (−30)) / (12 − (−30))) hours left
    const t = (colder.at - first.at) / H + (first.at - opened.incident.openedAt) / H;
    const indoor = -20 + 40 * Math.exp(-t / 40);
    expect(colder.indoorC).toBeCloseTo(indoor, 6);
    expect(colder.remainingH!).toBeCloseTo(40 * Math.log((indoor + 30) / 42), 6);
    // the incident as the API serves it, and the control room's time-to-freeze list, carry the same
    const inc = (await (await api(`/api/incidents/${opened.incident.id}`)).json()) as Incident;
    expect(inc.timeToFreeze).toEqual(colder);
    expect(inc.history.map((c) => c.action)).toContain('freeze-estimated');
    const freeze = (await (await api('/api/kpis/freeze')).json()) as FreezeReport;
    expect(freeze.estimates[0]).toMatchObject({ incidentId: inc.id, outdoorC: -30, limitAt: colder.limitAt });
  });
});
