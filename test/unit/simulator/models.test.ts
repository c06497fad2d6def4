import { describe, expect, it } from 'vitest';
import { conditionsAt, heatingSchedule } from '../../../simulator/environment.ts';
import { step } from '../../../simulator/models.ts';
import { deviceRandom } from '../../../simulator/rng.ts';
import { inventory, loadScenario, parseScenario, type SimDevice } from '../../../simulator/scenario.ts';
import { QalaError } from '../../../services/contracts/errors.ts';

const scenario = loadScenario('temirtau');
const devices = inventory(scenario, { scale: 1, seed: 7 });
const first = (kind: string): SimDevice => devices.find((d) => d.kind.id === kind)!;
/** local time in Temirtau (UTC+5) → ms */
const local = (y: number, m: number, d: number, h: number, min = 0) => Date.UTC(y, m - 1, d, h - 5, min);

/** mean of a metric over many seeded devices of a kind at one instant */
function meanAt(kind: string, metric: string, ts: number, warmupSteps = 0): number {
  const ds = devices.filter((d) => d.kind.id === kind);
  let sum = 0;
  for (const d of ds) {
    const rng = deviceRandom(1, d.deviceId);
    const state = {};
    let m: Record<string, number> = {};
    for (let i = warmupSteps; i >= 0; i--) m = step(d, scenario, ts - i * 60_000, 60_000, rng, state);
    sum += m[metric]!;
  }
  return sum / ds.length;
}

describe('Temirtau scenario', () => {
  it('has a few hundred devices across seven subsystems', () => {
    expect(devices.length).toBeGreaterThan(250);
    expect(new Set(devices.map((d) => d.subsystem)).size).toBe(7);
    expect(new Set(devices.map((d) => d.deviceId)).size).toBe(devices.length);
  });

  it('scales device counts', () => {
    expect(inventory(scenario, { scale: 3, seed: 7 }).length).toBeCloseTo(devices.length * 3, -1);
  });

  it('refuses a malformed scenario naming the bad field', () => {
    const bad = { ...scenario, districts: [{ ...scenario.districts[0], devices: { 'water-pressure': -3 } }] };
    expect(() => parseScenario(bad, 'bad.json')).toThrow(QalaError);
    expect(() => parseScenario(bad, 'bad.json')).toThrow(/districts\.0\.devices\.water-pressure/);
  });
});

describe('behaviour models', () => {
  it('water flow peaks in the morning and pressure sags with it', () => {
    const night = local(2026, 11, 18, 3);
    const morning = local(2026, 11, 18, 7, 30);
    expect(meanAt('water-pressure', 'flow', morning)).toBeGreaterThan(1.8 * meanAt('water-pressure', 'flow', night));
    expect(meanAt('water-pressure', 'pressure', morning)).toBeLessThan(meanAt('water-pressure', 'pressure', night) - 0.3);
  });

  it('district heating follows the 130/70 schedule: hotter supply on a January night than in October, no heating in July', () => {
    expect(heatingSchedule(-32).supply).toBe(130);
    expect(heatingSchedule(10).supply).toBe(70);
    const jan = meanAt('heat-substation', 'supplyTemp', local(2026, 1, 15, 3));
    const oct = meanAt('heat-substation', 'supplyTemp', local(2026, 10, 25, 14));
    const jul = meanAt('heat-substation', 'supplyTemp', local(2026, 7, 15, 14));
    expect(conditionsAt(local(2026, 1, 15, 3), 300).outdoorTemp).toBeLessThan(-15);
    expect(jan).toBeGreaterThan(oct + 15);
    expect(jul).toBeLessThan(72);
  });

  it('traffic peaks at the plant shift change', () => {
    expect(meanAt('traffic-counter', 'vehiclesPerMin', local(2026, 11, 18, 7, 30))).toBeGreaterThan(3 * meanAt('traffic-counter', 'vehiclesPerMin', local(2026, 11, 18, 2)));
  });

  it('clinics have no queue at night and a queue in the morning', () => {
    expect(meanAt('clinic-queue', 'waiting', local(2026, 11, 18, 23), 30)).toBe(0);
    expect(meanAt('clinic-queue', 'openWindows', local(2026, 11, 18, 23))).toBe(0);
    expect(meanAt('clinic-queue', 'waiting', local(2026, 11, 18, 10), 120)).toBeGreaterThan(0);
  });

  it('air is dirtier next to the plant than across town', () => {
    const ts = local(2026, 11, 18, 14);
    const near = devices.filter((d) => d.kind.id === 'air-station' && d.district === 'industrial-zone');
    const far = devices.filter((d) => d.kind.id === 'air-station' && d.district === 'aktau');
    const pm = (ds: SimDevice[]) => ds.reduce((s, d) => s + step(d, scenario, ts, 60_000, deviceRandom(3, d.deviceId), { wind: 3 }).pm25!, 0) / ds.length;
    expect(pm(near)).toBeGreaterThan(pm(far) * 1.5);
  });

  it('gives the identical feed for the same seed and a different one for another seed', () => {
    const run = (seed: number) => {
      const d = first('power-feeder');
      const rng = deviceRandom(seed, d.deviceId);
      const state = {};
      return Array.from({ length: 50 }, (_, i) => step(d, scenario, local(2026, 11, 18, 0) + i * 5000, 5000, rng, state));
    };
    expect(JSON.stringify(run(5))).toBe(JSON.stringify(run(5)));
    expect(JSON.stringify(run(5))).not.toBe(JSON.stringify(run(6)));
  });
});
