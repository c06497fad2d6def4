import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS, DeviceRegistry } from '../../../devices/index.ts';
import { FAULT_KINDS, wearFactor } from '../../../simulator/fault-kinds.ts';
import { Feed, type FaultRecord, type FeedOptions, type SimMessage } from '../../../simulator/feed.ts';
import { builtInScenarios, inventory, loadScenario, parseScenario, type Scenario } from '../../../simulator/scenario.ts';
import { QalaError } from '../../../services/contracts/errors.ts';

const temirtau = loadScenario('temirtau');
const START = Date.parse('2026-01-15T00:00:00+05:00');
const base: FeedOptions = { scenario: temirtau, town: 'temirtau', seed: 11, start: START, intervalMs: 60_000, durationMs: 3_600_000, scale: 0.5, faultRate: 0 };

const collect = (o: Partial<FeedOptions>): SimMessage[] => [...new Feed({ ...base, ...o }).messages()];
const bytes = (ms: SimMessage[]) => ms.map((m) => `${m.at} ${m.topic} ${m.retain ? 'R' : '-'} ${m.payload}`).join('\n');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** the series of one metric of one device */
function series(ms: SimMessage[], deviceId: string, metric: string): { at: number; v: number }[] {
  return ms
    .filter((m) => m.type === 'telemetry' && m.deviceId === deviceId)
    .map((m) => ({ at: m.at, v: (JSON.parse(m.payload) as { metrics: Record<string, number> }).metrics[metric]! }));
}

/** a scenario with one scheduled fault at +10m lasting 30m, and no random ones */
function withFault(kind: string, target: string): Partial<FeedOptions> {
  const scenario: Scenario = { ...temirtau, faults: [{ at: '+10m', kind, target, duration: 1_800_000 }] };
  return { scenario, scale: 1, durationMs: 3_600_000 };
}

function faultOf(ms: SimMessage[]): FaultRecord {
  const started = ms.find((m) => m.type === 'fault' && JSON.parse(m.payload).event === 'started');
  expect(started, 'ground truth published').toBeDefined();
  return JSON.parse(started!.payload) as FaultRecord;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const during = (s: { at: number; v: number }[], f: FaultRecord, settleMs = 0) => s.filter((p) => p.at >= f.start + settleMs && p.at < f.end).map((p) => p.v);
const before = (s: { at: number; v: number }[], f: FaultRecord) => s.filter((p) => p.at < f.start).map((p) => p.v);

describe('feed determinism', () => {
  it('gives byte-identical messages for the same scenario, seed, start and duration', () => {
    const a = bytes(collect({ faultRate: 200 }));
    const b = bytes(collect({ faultRate: 200 }));
    expect(a.length).toBeGreaterThan(100_000);
    expect(sha(a)).toBe(sha(b));
  });

  it('changes with the seed and with the start', () => {
    const a = sha(bytes(collect({})));
    expect(sha(bytes(collect({ seed: 12 })))).not.toBe(a);
    expect(sha(bytes(collect({ start: START + 86_400_000 })))).not.toBe(a);
  });

  it('emits messages in time order, births first, each device once per interval', () => {
    const ms = collect({});
    const feed = new Feed(base);
    expect(feed.devices.length).toBeGreaterThan(0);
    for (let i = 1; i < ms.length; i++) expect(ms[i]!.at).toBeGreaterThanOrEqual(ms[i - 1]!.at);
    const births = ms.filter((m) => m.type === 'status');
    expect(births).toHaveLength(feed.devices.length);
    expect(ms.filter((m) => m.type === 'telemetry')).toHaveLength(feed.devices.length * 60);
  });

  it('passes every kind\'s schema, faults and all', () => {
    const registry = new DeviceRegistry();
    const checked = new Set<string>();
    for (const m of collect({ faultRate: 500, scale: 1 })) {
      if (m.type !== 'telemetry') continue;
      const kind = m.topic.split('/')[4]!;
      const r = registry.get(kind)!.schema.safeParse(JSON.parse(m.payload));
      if (!r.success) throw new Error(`${m.topic}: ${r.error.message}`);
      checked.add(kind);
    }
    // an empty feed, or one missing a kind, would pass the loop above without checking it
    expect([...checked].sort()).toEqual(DEVICE_KINDS.map((k) => k.id).sort());
  });
});

describe('fault injection signatures', () => {
  it('water main break: pressure drops and flow surges at the point and its neighbours', () => {
    const ms = collect(withFault('water-main-break', 'wp-old-town-003'));
    const f = faultOf(ms);
    expect(f).toMatchObject({ kind: 'water-main-break', utility: 'water', district: 'old-town', target: 'wp-old-town-003', start: START + 600_000, end: START + 2_400_000 });
    expect(f.devices).toHaveLength(4);
    const p = series(ms, f.target, 'pressure');
    expect(mean(during(p, f, 300_000))).toBeLessThan(mean(before(p, f)) - 2);
    const q = series(ms, f.target, 'flow');
    expect(mean(during(q, f, 300_000))).toBeGreaterThan(mean(before(q, f)) * 1.8);
    const n = series(ms, f.devices[1]!, 'pressure');
    expect(mean(during(n, f, 300_000))).toBeLessThan(mean(before(n, f)) - 0.7);
    // and recovers once it is repaired
    expect(p.at(-1)!.v).toBeGreaterThan(mean(before(p, f)) - 0.5);
  });

  it('heating substation failure: supply temperature falls towards the return', () => {
    const ms = collect(withFault('heating-substation-failure', 'hs-new-town-002'));
    const f = faultOf(ms);
    const s = series(ms, f.target, 'supplyTemp');
    expect(mean(during(s, f, 1_200_000))).toBeLessThan(mean(before(s, f)) - 30);
  });

  it('power feeder outage: voltage to zero and the district\'s mains-powered devices go silent', () => {
    const ms = collect(withFault('power-feeder-outage', 'aktau'));
    const f = faultOf(ms);
    expect(during(series(ms, f.target, 'voltage'), f)).toSatisfy((vs: number[]) => vs.length > 0 && vs.every((v) => v === 0));
    expect(f.silenced.length).toBeGreaterThan(0);
    for (const id of f.silenced) {
      expect(during(series(ms, id, 'vehiclesPerMin').concat(series(ms, id, 'online'), series(ms, id, 'waiting')), f)).toEqual([]);
      const statuses = ms.filter((m) => m.type === 'status' && m.deviceId === id).map((m) => JSON.parse(m.payload).state);
      expect(statuses).toEqual(['online', 'offline', 'online']);
    }
  });

  it('sewage overflow: the well fills past 90%', () => {
    const ms = collect(withFault('sewage-overflow', 'sw-metallurgists-001'));
    const f = faultOf(ms);
    expect(Math.max(...during(series(ms, f.target, 'level'), f, 1_200_000))).toBeGreaterThan(90);
  });

  it('gas pressure anomaly: pressure leaves the 1.8..3.5 kPa band', () => {
    const ms = collect(withFault('gas-pressure-anomaly', 'gp-new-town-001'));
    const f = faultOf(ms);
    expect(Math.min(...during(series(ms, f.target, 'pressure'), f, 900_000))).toBeGreaterThan(3.5);
  });

  it('camera offline: online is 0 for the duration', () => {
    const ms = collect(withFault('camera-offline', 'cam-industrial-zone-004'));
    const f = faultOf(ms);
    expect(during(series(ms, f.target, 'online'), f)).toSatisfy((vs: number[]) => vs.length > 0 && vs.every((v) => v === 0));
    expect(before(series(ms, f.target, 'online'), f)).toSatisfy((vs: number[]) => vs.length > 0 && vs.every((v) => v === 1));
  });

  it('traffic signal failure: the signal goes dark and traffic slows', () => {
    const ms = collect(withFault('traffic-signal-failure', 'tc-new-town-001'));
    const f = faultOf(ms);
    expect(during(series(ms, f.target, 'signal'), f)).toSatisfy((vs: number[]) => vs.length > 0 && vs.every((v) => v === 0));
  });

  it('publishes ground truth for every random fault, at rates that grow with network wear', () => {
    const feed = new Feed({ ...base, scale: 1, durationMs: 86_400_000, faultRate: 300 });
    const ms = [...feed.messages()];
    const truth = ms.filter((m) => m.type === 'fault').map((m) => JSON.parse(m.payload) as FaultRecord & { event: string });
    expect(truth.filter((t) => t.event === 'started').map((t) => t.id)).toEqual(feed.faults.map((f) => f.id));
    expect(new Set(feed.faults.map((f) => f.kind)).size).toBeGreaterThanOrEqual(6);
    expect(wearFactor(0.611)).toBeGreaterThan(2 * wearFactor(0.35));
    for (const f of feed.faults) expect(FAULT_KINDS[f.kind]!.targetKind).toBe(feed.devices.find((d) => d.deviceId === f.target)!.kind.id);
  });

  it('strikes no random fault on a device that a feeder outage has silenced (it could not be observed)', () => {
    const feed = new Feed({ ...base, scale: 1, durationMs: 6 * 3_600_000, faultRate: 2000 });
    for (const _ of feed.messages());
    const outages = feed.faults.filter((f) => f.silenced.length > 0);
    const onPowered = (f: FaultRecord) => !outages.some((o) => o !== f && o.silenced.includes(f.target) && o.start <= f.start && f.start < o.end);
    const struck = feed.faults.filter((f) => !f.scheduled && outages.some((o) => o.silenced.includes(f.target) || o.district === f.district));
    // at this rate outages cover much of the run, and device faults still strike their districts' powered devices
    expect(outages.length).toBeGreaterThan(5);
    expect(struck.filter((f) => f.kind === 'camera-offline' || f.kind === 'traffic-signal-failure').length).toBeGreaterThan(5);
    expect(feed.faults.filter((f) => !onPowered(f))).toEqual([]);
  });
});

describe('scenarios', () => {
  it.each(builtInScenarios())('%s loads and derives devices from its population', (name) => {
    const s = loadScenario(name);
    const devices = inventory(s, { scale: 1, seed: 1 });
    // roughly 22 devices per 10,000 residents, seven subsystems
    expect(devices.length / (s.population / 10_000)).toBeGreaterThan(14);
    // (a small town carries its plant's fixed minimum: two air stations, two cameras, two feeders)
    expect(devices.length / (s.population / 10_000)).toBeLessThan(60);
    expect(new Set(devices.map((d) => d.subsystem)).size).toBe(7);
  });

  it('keeps the four hand-laid monotowns with their public population figures', () => {
    expect(Object.fromEntries(['ekibastuz', 'kurchatov', 'rudny', 'temirtau'].map((n) => [n, loadScenario(n).population]))).toEqual({ ekibastuz: 134100, kurchatov: 12300, rudny: 116000, temirtau: 178400 });
  });

  it.each([
    [{ networkWear: { water: 1.4, heat: 0.5, power: 0.5, gas: 0.5 } }, 'networkWear.water'],
    [{ faults: [{ at: 'tomorrow', kind: 'water-main-break', target: 'old-town', duration: '1h' }] }, 'faults.0.at'],
    [{ faults: [{ at: '+1h', kind: 'meteor', target: 'old-town', duration: '1h' }] }, 'faults.0.kind'],
    [{ deviceDensity: { teapot: 3 } }, 'deviceDensity: Unrecognized key: "teapot"'],
    [{ population: 1000 }, 'districts: district populations add up to'],
  ])('refuses %j naming %s', (patch, path) => {
    const raw = JSON.parse(readFileSync(new URL('../../../simulator/scenarios/temirtau.json', import.meta.url), 'utf8')) as object;
    const bad = { ...raw, ...patch };
    expect(() => parseScenario(bad, 'town.json')).toThrow(QalaError);
    expect(() => parseScenario(bad, 'town.json')).toThrow(path);
  });

  it('names the built-in scenarios when the name is unknown', () => {
    expect(() => loadScenario('atlantis')).toThrow(/abay, aksay, aksu, arkalyk, balkhash, .*tekeli, temirtau, .*zyryanovsk/);
  });
});

describe('the faults a run should expect', () => {
  const WEEK = 7 * 86_400_000;
  const run = (start: number, seed: number) => new Feed({ scenario: temirtau, town: 'temirtau', seed, start, intervalMs: 6 * 3_600_000, durationMs: WEEK, scale: 0.25, faultRate: 50 });
  const drawn = (f: Feed, kind: string) => {
    for (const _ of f.messages());
    return f.faults.filter((x) => x.kind === kind).length;
  };

  it('expects about 1.4 heating failures a winter day of a quarter of Temirtau at fault rate 50, and what the feed draws on average', () => {
    // 13 substations × 0.3 a year × exp(3 × (0.62 − 0.3)) for the heat network's wear × 50 / 365 = 1.396 a day
    const expected = run(START, 1).expectedFaults('heating-substation-failure');
    expect(expected / 7).toBeCloseTo(1.396, 2);
    // the mean over 40 seeds lies within three of its standard errors (√(λ/40) ≈ 0.5) of the expectation
    let sum = 0;
    for (let seed = 1; seed <= 40; seed++) sum += drawn(run(START, seed), 'heating-substation-failure');
    expect(Math.abs(sum / 40 - expected), `drew ${sum / 40} a week on average, expected ${expected}`).toBeLessThan(3 * Math.sqrt(expected / 40));
  });

  it('expects none out of the heating season, and draws none', () => {
    const july = Date.parse('2026-07-15T00:00:00+05:00');
    expect(run(july, 1).expectedFaults('heating-substation-failure')).toBe(0);
    for (let seed = 1; seed <= 5; seed++) expect(drawn(run(july, seed), 'heating-substation-failure')).toBe(0);
  });
});
