// The 27 monotowns: one data table, 27 scenarios generated from it, each running
// for a simulated hour with every message accepted by the platform's own ingest
// classification (topic scheme, kind registry, the kind's zod schema).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DeviceRegistry, nextHeatingSeason } from '../../../devices/index.ts';
import { classify } from '../../../services/ingest/classify.ts';
import { conditionsAt, dailyMeanTemp, heatingSeasonOn } from '../../../simulator/environment.ts';
import { Feed } from '../../../simulator/feed.ts';
import { step } from '../../../simulator/models.ts';
import { deviceRandom } from '../../../simulator/rng.ts';
import { builtInScenarios, inventory, loadScenario, parseScenario } from '../../../simulator/scenario.ts';
import { townCityProfile, townScenario, townWear } from '../../../simulator/town-scenario.ts';
import { ASSUMED_CLIMATE_WHY, TOWNS, climateStatus, townRow } from '../../../simulator/towns.ts';

const shared = readFileSync('/work/shared/monotowns.md', 'utf8');
const registry = new DeviceRegistry();
const DAY = 86_400_000;

describe('the data table', () => {
  it('lists the 27 monotowns of the national programme with its population figures', () => {
    expect(TOWNS).toHaveLength(27);
    expect(new Set(TOWNS.map((t) => t.id)).size).toBe(27);
    // every row of the shared table is a town of ours with the same figure
    const rows = [...shared.matchAll(/^\| (\d+) \| ([^|(]+?)\s*(?:\([^|]*\))? \| [^|]+ \| [^|]+ \| ([\d.]+) \| ([^|]+) \|$/gm)];
    expect(rows).toHaveLength(27);
    for (const [, , name, pop, potential] of rows) {
      const town = TOWNS.find((t) => t.name.startsWith(name!.trim()));
      expect(town, name).toBeDefined();
      expect(town!.populationK).toBe(Number(pop));
      expect(town!.potential ?? '(not given)').toBe(potential!.trim());
    }
  });

  it('is the list of built-in scenarios', () => {
    expect(builtInScenarios()).toEqual(TOWNS.map((t) => t.id).sort());
  });

  it('agrees with the hand-laid scenario files on population, and gives them the table\'s climate and city profile', () => {
    for (const row of TOWNS.filter((t) => t.curated)) {
      const s = loadScenario(row.id);
      expect(s.population, row.id).toBe(Math.round(row.populationK * 1000));
      // the table is the one source: the files carry neither; the plain annual curve (no season length) stays theirs
      const file = JSON.parse(readFileSync(new URL(`../../../simulator/scenarios/${row.id}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
      expect(file['climate'], row.id).toBeUndefined();
      expect(file['cityProfile'], row.id).toBeUndefined();
      expect(s.climate, row.id).toEqual({ designOutdoorC: row.climate.designOutdoorC, januaryMeanC: row.climate.januaryMeanC, julyMeanC: row.climate.julyMeanC });
      expect(s.cityProfile, row.id).toEqual(townCityProfile(row));
      expect(s.sources.join('\n'), row.id).toContain(`climate: ${row.climate.station} station`);
    }
    // a file of one's own keeps what it gives
    expect(parseScenario({ ...JSON.parse(readFileSync(new URL('../../../simulator/scenarios/temirtau.json', import.meta.url), 'utf8')), id: 'mine' }).cityProfile).toBeUndefined();
  });

  it('marks every climate figure sourced (with the table and row) or assumed (with why)', () => {
    let sourced = 0;
    for (const row of TOWNS) {
      const line = loadScenario(row.id).sources.find((x) => x.startsWith('climate:'))!;
      expect(line, row.id).toBeDefined();
      const status = climateStatus(row.climate);
      for (const [figure, st] of Object.entries(status)) {
        if (st === 'sourced') {
          sourced++;
          expect(line, `${row.id} ${figure}`).toContain(`sourced, read from ${row.climate.read![figure as keyof typeof status]}`);
        }
      }
      const assumed = Object.values(status).filter((x) => x === 'assumed').length;
      if (assumed) expect(line, row.id).toContain(row.climate.assumedWhy ?? ASSUMED_CLIMATE_WHY);
      else expect(line, row.id).not.toMatch(/ASSUMED/);
      // a source names where it was read: a table and row, or a document
      for (const src of Object.values(row.climate.read ?? {})) expect(src, row.id).toMatch(/SNiP RK 2\.04-01-2001 .*table 1.*row|archive/);
    }
    // what was read: Astana's and Aktobe's design temperature, season and its mean, Taldykorgan's design temperature, Stepnogorsk's months
    expect(sourced).toBe(8);
    expect(climateStatus(townRow('stepnogorsk')!.climate)).toEqual({ design: 'sourced', season: 'sourced', seasonMean: 'sourced', months: 'sourced' });
    expect(climateStatus(townRow('khromtau')!.climate)).toEqual({ design: 'sourced', season: 'sourced', seasonMean: 'sourced', months: 'assumed' });
    expect(climateStatus(townRow('tekeli')!.climate)).toEqual({ design: 'sourced', season: 'assumed', months: 'assumed' });
    expect(climateStatus(townRow('temirtau')!.climate)).toEqual({ design: 'assumed', season: 'assumed', months: 'assumed' });
    // the readable part of SNiP RK 2.04-01-2001, table 1: Astana −41 −38 −36 −33 … 215 −8,1; Aktobe −38 −36 −33 −31 … 200 −6,8; Taldykorgan −34 −32 −29 −26
    expect(townRow('stepnogorsk')!.climate).toMatchObject({ designOutdoorC: -33, heatingSeasonDays: 215, heatingSeasonMeanC: -8.1 });
    expect(townRow('khromtau')!.climate).toMatchObject({ designOutdoorC: -31, heatingSeasonDays: 200, heatingSeasonMeanC: -6.8 });
    expect(townRow('tekeli')!.climate.designOutdoorC).toBe(-26);
  });

  it('wears networks of low-potential towns more than the 61.1% anchor, high-potential ones less', () => {
    expect(townWear('average').water).toBe(0.611);
    expect(townWear('low').water).toBeGreaterThan(0.611);
    expect(townWear('high').water).toBeLessThan(0.611);
    expect(loadScenario('arkalyk').networkWear.water).toBeGreaterThan(loadScenario('balkhash').networkWear.water);
  });
});

describe.each(TOWNS.filter((t) => !t.curated).map((t) => t.id))('generated scenario %s', (id) => {
  const row = townRow(id)!;
  const s = loadScenario(id);

  it('has its population spread over districts and devices scaled from it', () => {
    expect(s.population).toBe(Math.round(row.populationK * 1000));
    expect(s.districts.reduce((n, d) => n + d.population, 0)).toBe(s.population);
    expect(s.region).toBe(row.region);
    const devices = inventory(s, { scale: 1, seed: 1 });
    const per10k = devices.filter((d) => d.kind.id === 'water-pressure').length / (s.population / 10_000);
    expect(per10k).toBeGreaterThan(3);
    expect(per10k).toBeLessThan(5);
    expect(s.districts.find((d) => d.id === 'industrial-zone')!.center).toEqual(s.plant);
    // every source is stated, and the climate's says whether it was checked
    expect(s.sources.join('\n')).toMatch(/SP RK 2\.04-01-2017/);
    expect(s.sources.join('\n')).toMatch(/: ASSUMED: |sourced, read from SNiP RK 2\.04-01-2001/);
    expect(s.sources.join('\n')).toMatch(/ASSUMED/);
  });

  it('runs a simulated hour in which every message passes the platform\'s validation', () => {
    const start = Date.parse('2026-01-15T07:00:00+05:00');
    const feed = new Feed({ scenario: s, town: id, seed: 3, start, intervalMs: 60_000, durationMs: 3_600_000, scale: 1, faultRate: 200, hardCases: 1 });
    let telemetry = 0;
    for (const m of feed.messages()) {
      if (m.type === 'fault') continue;
      const c = classify(m.topic, Buffer.from(m.payload), { town: id, registry, maxPayloadBytes: 65_536, receivedAt: m.at });
      expect(c.type, `${m.topic} ${m.payload} ${'detail' in c ? c.detail : ''}`).toBe(m.type === 'status' ? 'status' : 'readings');
      if (m.type === 'telemetry') telemetry++;
    }
    expect(telemetry).toBeGreaterThan(feed.devices.length * 50);
  });
});

describe('climates', () => {
  const dayOf = (iso: string) => Math.floor((Date.parse(iso) + 5 * 3_600_000) / DAY);
  /** days of heating in a year from July, by the same five-day rule the simulator's season follows */
  const seasonDays = (id: string) => {
    const c = loadScenario(id).climate!;
    const from = dayOf('2025-07-01T12:00:00Z');
    let on = heatingSeasonOn(from, c);
    const means: number[] = [];
    for (let d = from - 5; d < from; d++) means.push(dailyMeanTemp(d, c));
    let n = 0;
    for (let d = from; d < from + 365; d++) {
      if (on) n++;
      means.push(dailyMeanTemp(d, c));
      on = nextHeatingSeason(on, means.slice(-5));
    }
    return n;
  };

  it('gives each generated town a heating season within a week of its climate zone\'s', () => {
    for (const row of TOWNS.filter((t) => !t.curated)) expect(Math.abs(seasonDays(row.id) - row.climate.heatingSeasonDays), row.id).toBeLessThanOrEqual(7);
  });

  it('heats the Caspian oil towns for weeks less than the Karaganda coal and steel towns, on their own heating chart', () => {
    expect(seasonDays('zhanaozen')).toBeLessThan(seasonDays('shakhtinsk') - 40);
    expect(seasonDays('kulsary')).toBeLessThan(seasonDays('saran') - 25);
    // late October: heating in Saran, not yet on the Caspian
    expect(heatingSeasonOn(dayOf('2026-10-25T12:00:00Z'), loadScenario('saran').climate)).toBe(true);
    expect(heatingSeasonOn(dayOf('2026-10-25T12:00:00Z'), loadScenario('zhanaozen').climate)).toBe(false);
    // a January day: each town's substations keep to the chart of its own design temperature (−17 °C on
    // the Caspian, −32 °C in Karaganda): for the same load the same supply, at a far milder outdoor temperature
    const supplyMean = (id: string) => {
      const s = loadScenario(id);
      const sub = inventory(s, { scale: 1, seed: 2 }).find((d) => d.kind.id === 'heat-substation')!;
      const rng = deviceRandom(2, sub.deviceId);
      const state = {};
      let sum = 0;
      let n = 0;
      for (let t = Date.parse('2026-01-20T00:00:00+05:00'); t < Date.parse('2026-01-21T00:00:00+05:00'); t += 600_000, n++) sum += step(sub, s, t, 600_000, rng, state).supplyTemp!;
      return sum / n;
    };
    expect(Math.abs(supplyMean('zhanaozen') - supplyMean('abay'))).toBeLessThan(15);
    const january = (id: string) => conditionsAt(Date.parse('2026-01-20T14:00:00+05:00'), 300, loadScenario(id).climate).outdoorTemp;
    expect(january('zhanaozen')).toBeGreaterThan(january('abay') + 8);
    expect(conditionsAt(Date.parse('2026-07-15T14:00:00+05:00'), 300, loadScenario('kulsary').climate).outdoorTemp).toBeGreaterThan(
      conditionsAt(Date.parse('2026-07-15T14:00:00+05:00'), 300, loadScenario('abay').climate).outdoorTemp + 4,
    );
  });

  it('generates the same scenario from the same row', () => {
    expect(townScenario(townRow('zhanaozen')!)).toEqual(townScenario(townRow('zhanaozen')!));
  });
});
