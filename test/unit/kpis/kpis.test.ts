// Every city indicator computed on a hand-built town, incident history and store
// readings (a real DuckDB file), checked against values worked out by hand in the
// comments. The town: district a (7,000 people), district b (3,500); 3.5 persons a
// household, so a has 2,000 households, b 1,000, the town 3,000.
import { describe, expect, it } from 'vitest';
import type { DeviceState, Incident, IncidentChange, Indicator, Reading } from '../../../services/contracts/index.ts';
import { KpiService } from '../../../services/kpis/kpis.ts';
import { profileFromScenario } from '../../../services/kpis/profile.ts';
import { DuckDbStore } from '../../../services/store/duckdb-store.ts';
import { tempDir } from '../../helpers/platform.ts';
import { hold } from '../../helpers/resources.ts';

const H = 3_600_000;
const MIN = 60_000;
/** 2026-01-01T00:00Z, a multiple of 3 h from the epoch (the trend's buckets start here) */
const T0 = Date.UTC(2026, 0, 1);
const NOW = T0 + 24 * H;

const town = profileFromScenario({
  id: 'testtown',
  name: 'Test town',
  population: 10_500,
  districts: [
    { id: 'a', name: 'A', center: [50, 73], population: 7_000, devices: {} },
    { id: 'b', name: 'B', center: [50, 73], population: 3_500, devices: {} },
  ],
  cityProfile: { areaKm2: 4, householdSize: 3.5, plantEmployees: 1_500, workforce: 6_000, sources: ['areaKm2: made up for the test'] },
});

let seq = 0;
function incident(p: { ruleId: string; district: string; asset: string; kind: string; openedAt: number; clearedAt?: number; ackAt?: number; resolvedAt?: number; planned?: boolean }): Incident {
  const utility = p.kind === 'water-pressure' ? 'water' : p.kind === 'heat-substation' ? 'heat' : 'power';
  const history: IncidentChange[] = [{ at: p.openedAt, action: 'opened', by: 'rules' }];
  if (p.ackAt !== undefined) history.push({ at: p.ackAt, action: 'acknowledged', by: 'op' });
  const autoResolved = p.clearedAt !== undefined && p.resolvedAt === undefined;
  if (p.clearedAt !== undefined) history.push({ at: p.clearedAt, action: autoResolved ? 'auto-resolved' : 'condition-cleared', by: 'rules' });
  if (p.resolvedAt !== undefined) history.push({ at: p.resolvedAt, action: 'resolved', by: 'op' });
  const resolvedAt = p.resolvedAt ?? (autoResolved ? p.clearedAt : undefined);
  return {
    id: `INC-${String(++seq).padStart(6, '0')}`,
    ruleId: p.ruleId, title: p.ruleId, severity: 'critical',
    state: resolvedAt !== undefined ? 'resolved' : p.ackAt !== undefined ? 'acknowledged' : 'open',
    subsystem: 'utilities', utility, district: p.district, asset: p.asset, kind: p.kind,
    devices: [p.asset], evidence: [], occurrences: 1, flaps: 0,
    openedAt: p.openedAt, updatedAt: history[history.length - 1]!.at,
    ...(p.ackAt !== undefined ? { acknowledgedAt: p.ackAt } : {}),
    ...(resolvedAt !== undefined ? { resolvedAt } : {}),
    conditionCleared: p.clearedAt !== undefined,
    history,
    ...(p.planned ? { planned: true } : {}),
  } as Incident;
}

const incidents: Incident[] = [
  // 1: main break, whole district a, 1 h → 4 h: 3 h × 2,000 = 6,000 household-hours; acknowledged after 10 min, resolved after 180 min
  incident({ ruleId: 'water-main-break', district: 'a', asset: 'a', kind: 'water-pressure', openedAt: T0 + H, ackAt: T0 + H + 10 * MIN, clearedAt: T0 + 4 * H }),
  // 2: low pressure at one of a's 2 points (1,000 households), from 2 h before the period to 2 h in (cleared; resolved by hand at 5 h):
  //    2 h × 1,000 = 2,000 inside the period; opened before it, so not in the response times
  incident({ ruleId: 'water-low-pressure', district: 'a', asset: 'wp-a-1', kind: 'water-pressure', openedAt: T0 - 2 * H, clearedAt: T0 + 2 * H, resolvedAt: T0 + 5 * H }),
  // 3: planned main break in b (1,000 households) from 10 h, still on at 24 h: 14 h × 1,000 = 14,000
  incident({ ruleId: 'water-main-break', district: 'b', asset: 'b', kind: 'water-pressure', openedAt: T0 + 10 * H, planned: true }),
  // 4: heating failure of b's only substation (1,000 households) from 20 h, still on: 4 h × 1,000 = 4,000; acknowledged after 4 min
  //    it carries its time to freeze as estimated at opening (−20 °C outdoors, τ = 40 h): 40 · ln((20 + 20) / (12 + 20)) = 8.9257 h
  {
    ...incident({ ruleId: 'heating-failure', district: 'b', asset: 'hs-b-1', kind: 'heat-substation', openedAt: T0 + 20 * H, ackAt: T0 + 20 * H + 4 * MIN }),
    timeToFreeze: { at: T0 + 20 * H, outdoorC: -20, tauH: 40, indoorStartC: 20, indoorC: 20, limitC: 12, remainingH: 40 * Math.log(1.25), limitAt: T0 + 20 * H + 40 * Math.log(1.25) * H },
  },
  // 5: feeder 1 of a's 4 (500 customers), 90 min; acknowledged after 2 min
  incident({ ruleId: 'power-outage', district: 'a', asset: 'pf-a-1', kind: 'power-feeder', openedAt: T0 + 6 * H, ackAt: T0 + 6 * H + 2 * MIN, clearedAt: T0 + 7.5 * H }),
  // 6: feeder 1 of b's 2, 3 min: momentary (≤ 5 min), not in SAIFI; resolved after 3 min
  incident({ ruleId: 'power-outage', district: 'b', asset: 'pf-b-1', kind: 'power-feeder', openedAt: T0 + 8 * H, clearedAt: T0 + 8 * H + 3 * MIN }),
  // 7: feeder 2 of b's 2 (500 customers), 30 min; acknowledged after 20 min
  incident({ ruleId: 'power-outage', district: 'b', asset: 'pf-b-2', kind: 'power-feeder', openedAt: T0 + 12 * H, ackAt: T0 + 12 * H + 20 * MIN, clearedAt: T0 + 12.5 * H }),
  // 8: planned feeder outage: not in SAIFI nor in the response times
  incident({ ruleId: 'power-outage', district: 'a', asset: 'pf-a-2', kind: 'power-feeder', openedAt: T0 + 14 * H, ackAt: T0 + 14 * H + 1 * MIN, clearedAt: T0 + 15 * H, planned: true }),
  // 9: a slow leak is no interruption (service continues)
  incident({ ruleId: 'water-slow-leak', district: 'b', asset: 'b', kind: 'water-pressure', openedAt: T0 + 3 * H, clearedAt: T0 + 9 * H }),
  // 10: a pressed care alarm at 16 h, its 30-min response deadline missed, still not acknowledged (so in no median)
  {
    ...incident({ ruleId: 'care-alarm-pressed', district: 'a', asset: 'ca-a-1', kind: 'care-alarm', openedAt: T0 + 16 * H }),
    utility: 'social', subsystem: 'social',
    escalation: { policy: 'care-alarm-response', step: 0, reminders: 0, deadlineAt: T0 + 16.5 * H, deadlineMissedAt: T0 + 16.5 * H },
    history: [{ at: T0 + 16 * H, action: 'opened', by: 'rules' }, { at: T0 + 16.5 * H, action: 'deadline-missed', by: 'escalation' }],
  },
  // 11: another at 23:50, its deadline (00:20 the next day) not yet come
  {
    ...incident({ ruleId: 'care-alarm-pressed', district: 'b', asset: 'ca-b-1', kind: 'care-alarm', openedAt: NOW - 10 * MIN }),
    utility: 'social', subsystem: 'social',
    escalation: { policy: 'care-alarm-response', step: 0, reminders: 0, deadlineAt: NOW + 20 * MIN },
  },
];

const device = (deviceId: string, district: string, kind: string, ts: number, metrics: Record<string, number> = {}): DeviceState => ({
  deviceId, subsystem: kind === 'air-station' ? 'environment' : 'utilities', district, kind, ts, metrics, online: true,
});
const devices: DeviceState[] = [
  device('wp-a-1', 'a', 'water-pressure', T0 + 23 * H),
  device('wp-a-2', 'a', 'water-pressure', T0 + 23 * H),
  device('hs-b-1', 'b', 'heat-substation', T0 + 23 * H, { outdoorTemp: -20 }),
  ...[1, 2, 3, 4].map((n) => device(`pf-a-${n}`, 'a', 'power-feeder', T0 + 23 * H)),
  ...[1, 2].map((n) => device(`pf-b-${n}`, 'b', 'power-feeder', T0 + 23 * H)),
  device('aq-a-1', 'a', 'air-station', T0 + 3 * H),
  device('aq-b-1', 'b', 'air-station', T0 + 3 * H),
];

const air = (deviceId: string, district: string, ts: number, metrics: Record<string, number>): Reading => ({
  town: 'testtown', subsystem: 'environment', district, kind: 'air-station', deviceId, ts, receivedAt: ts, metrics,
});

async function service(): Promise<KpiService> {
  const store = new DuckDbStore({ dataDir: await tempDir('qala-kpis-') });
  await store.start();
  hold('kpi test store', () => store.stop());
  await store.write([
    air('aq-a-1', 'a', T0 + 1 * H, { pm25: 10, pm10: 40, no2: 8 }),
    air('aq-a-1', 'a', T0 + 2 * H, { pm25: 20 }),
    air('aq-b-1', 'b', T0 + 3 * H, { pm25: 30, no2: 12 }),
    // outside the period: left out
    air('aq-b-1', 'b', T0 - 1 * H, { pm25: 500, so2: 100 }),
  ]);
  return new KpiService({
    town,
    incidents: { list: (f) => incidents.filter((i) => f.state !== 'unresolved' || i.state !== 'resolved') },
    directory: { list: () => devices },
    store,
    clock: { now: () => NOW },
  });
}

const byId = (list: Indicator[], id: string): Indicator => {
  const i = list.find((x) => x.id === id);
  if (!i) throw new Error(`no indicator ${id}`);
  return i;
};

describe('city indicators', () => {
  it('computes each indicator over a hand-built day of incidents and readings', async () => {
    const kpis = await service();
    const r = await kpis.report({ from: T0, to: NOW });
    const get = (id: string) => byId(r.indicators, id);

    // water: (6,000 + 2,000 + 14,000) / 3,000 = 7.333 h; planned 14,000 / 3,000 = 4.667; unplanned 8,000 / 3,000 = 2.667
    const water = get('water-interruption-hours');
    expect(water.value).toBeCloseTo(22_000 / 3_000, 9);
    expect(water.parts).toMatchObject({ interruptions: 3 });
    expect(water.parts!.planned).toBeCloseTo(14_000 / 3_000, 9);
    expect(water.parts!.unplanned).toBeCloseTo(8_000 / 3_000, 9);
    // its ISO 37120:2018 number was not found: cited from the first edition, where it is 21.6
    expect(water.standard).toBe('ISO 37120:2014');
    expect(water.clause).toMatch(/^ISO 37120:2014 §21\.6 "Average annual hours of water service interruption per household" \(its ISO 37120:2018 number not found\)/);
    // trend: 8 buckets of 3 h (24 h / 12 = 2 h, rounded up to 3 h); the first, 0–3 h: incident 1 for 2 h × 2,000 and incident 2 for 2 h × 1,000 = 6,000 / 3,000 = 2
    expect(water.trend).toHaveLength(8);
    expect(water.trend[0]).toMatchObject({ from: T0, to: T0 + 3 * H });
    expect(water.trend[0]!.value).toBeCloseTo(2, 9);

    // heating: 4,000 / 3,000 = 1.333 h
    expect(get('heating-interruption-hours').value).toBeCloseTo(4_000 / 3_000, 9);

    // SAIFI: (500 + 500) / 3,000 = 0.3333; CAIDI: (90 × 500 + 30 × 500) / 1,000 = 60 min; SAIDI 60,000 / 3,000 = 20 min
    const saifi = get('power-saifi');
    expect(saifi.value).toBeCloseTo(1 / 3, 9);
    expect(saifi.parts).toMatchObject({ customersServed: 3_000, customersInterrupted: 1_000, interruptions: 2 });
    expect(saifi.parts!.saidiMin).toBeCloseTo(20, 9);
    expect(get('power-caidi').value).toBeCloseTo(60, 9);

    // PM2.5: station a's mean (10 + 20) / 2 = 15, station b's 30: (15 + 30) / 2 = 22.5 (not the readings' mean, 20); the reading before the period is left out.
    // Annual AQG 5: exceeded. Days: a 15 (not above 15), b 30 (above): 1 of 2 station-days over the 24-h level.
    const pm25 = get('air-pm25');
    expect(pm25.value).toBeCloseTo(22.5, 9);
    expect(pm25.parts).toMatchObject({ stations: 2, stationDays: 2, daysOver24hLevel: 1, maxDailyMean: 30 });
    expect(pm25.guidelines).toEqual([
      expect.objectContaining({ value: 5, exceeded: true }),
      expect.objectContaining({ value: 15, exceeded: true }),
    ]);
    // trend: 0–3 h has station a's 15 only; 3–6 h station b's 30
    expect(pm25.trend.slice(0, 3).map((p) => p.value)).toEqual([15, 30, null]);
    // PM10: station a only, 40: over the annual 15, under the 24-h 45
    expect(get('air-pm10').value).toBe(40);
    expect(get('air-pm10').guidelines!.map((g) => g.exceeded)).toEqual([true, false]);
    // NO2: (8 + 12) / 2 = 10: the annual 10 is not exceeded (equal)
    expect(get('air-no2').value).toBe(10);
    expect(get('air-no2').guidelines![0]).toMatchObject({ value: 10, exceeded: false });
    // SO2: only a reading before the period
    expect(get('air-so2')).toMatchObject({ value: null, missing: 'no air-station readings in the period' });

    // detection to acknowledgement, unplanned incidents opened in the period: 10, 4, 2, 20 min → sorted 2, 4, 10, 20:
    // median (4 + 10) / 2 = 7; p90 at rank 0.9 × 3 = 2.7: 10 + 0.7 × (20 − 10) = 17
    const ack = get('response-to-acknowledge');
    expect(ack.value).toBeCloseTo(7, 9);
    expect(ack.parts!.p90).toBeCloseTo(17, 9);
    expect(ack.parts!.count).toBe(4);
    // response deadlines: the two care alarms had one; the first missed it
    expect(ack.parts).toMatchObject({ withDeadline: 2, deadlinesMissed: 1 });
    // to resolution: 180 (1), 90 (5), 3 (6), 30 (7), 360 (9, the slow leak: any incident counts) → 3, 30, 90, 180, 360:
    // median 90; p90 at rank 3.6: 180 + 0.6 × (360 − 180) = 288
    const res = get('response-to-resolve');
    expect(res.value).toBeCloseTo(90, 9);
    expect(res.parts!.p90).toBeCloseTo(288, 9);

    // water network: district a has pressure points reporting (2,000 of 3,000 households) = 66.67 %
    expect(get('water-network-monitored').value).toBeCloseTo(200 / 3, 9);
    // air stations: 2 over 4 km² = 0.5
    expect(get('air-stations-per-km2').value).toBe(0.5);
    // employment concentration: 1,500 / 6,000 = 25 %
    expect(get('employment-concentration').value).toBe(25);
    expect(get('employment-concentration').clause).toBe('§5.5 Employment concentration');

    // the clause numbers, each in the edition it was read in (services/kpis/kpis.ts says where)
    expect(get('power-saifi').clause).toContain('ISO 37120:2014 §7.6 ');
    expect(get('power-caidi').clause).toContain('ISO 37120:2014 §7.7 ');
    expect(get('air-pm25').clause).toContain('ISO 37120:2018 §8.1 "Fine particulate matter (PM2.5) concentration" (§8.1 in ISO 37120:2014)');
    expect(get('air-pm10').clause).toContain('ISO 37120:2018 §8.2 ');
    expect(get('air-so2').clause).toContain('ISO 37120:2018 §8.6 "SO2 (sulphur dioxide) concentration" (§8.5 in ISO 37120:2014)');
    expect(get('air-no2').clause).toContain('ISO 37120:2014 §8.4 "NO2 (nitrogen dioxide) concentration" (its ISO 37120:2018 number not found)');
    expect(get('response-to-acknowledge').clause).toContain('ISO 37120:2018 §15.7 ');
    expect(get('water-network-monitored')).toMatchObject({ standard: 'ISO 37122:2019' });
    expect(get('water-network-monitored').clause).toMatch(/^ISO 37122:2019 §23\.3 /);
    expect(get('air-stations-per-km2').clause).toMatch(/^ISO 37122:2019 §8\.2 /);
    // a standard named ISO 37120 is the edition its clause is numbered in
    for (const i of r.indicators.filter((x) => x.standard.startsWith('ISO 37120'))) expect(i.clause, i.id).toMatch(new RegExp(`^${i.standard} §`));

    expect(r.assumptions).toContainEqual(expect.objectContaining({ name: 'householdSize', value: 3.5 }));
  });

  it('brings the time to freeze its heating outage carries forward to now', async () => {
    const kpis = await service();
    const f = kpis.freeze();
    // incident 4 in b at −20 °C outdoors, τ = 40 h: 40 · ln((20 + 20) / (12 + 20)) = 40 · ln 1.25 = 8.9257 h from 20 h;
    // 4 h have passed: 4.9257 h left; indoors now −20 + 40 · e^(−4/40) = 16.19 °C
    expect(f.estimates).toHaveLength(1);
    const e = f.estimates[0]!;
    expect(e).toMatchObject({ incidentId: incidents[3]!.id, district: 'b', outdoorC: -20, indoorStartC: 20, limitC: 12, tauH: 40 });
    expect(e.hoursToLimit).toBeCloseTo(40 * Math.log(1.25), 9);
    expect(e.hoursToLimit).toBeCloseTo(8.9257, 3);
    expect(e.remainingH).toBeCloseTo(4.9257, 3);
    expect(e.indoorNowC).toBeCloseTo(16.1935, 3);
    expect(e.limitAt).toBe(T0 + 20 * H + 40 * Math.log(1.25) * H);
  });
});
