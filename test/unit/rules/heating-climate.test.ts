// The heating rules judge each town by its own climate: the quality-regulation
// chart of its design outdoor temperature, and its own heating season from the
// outdoor temperatures its substations report. A Caspian oil town (Zhanaozen,
// designed for about −17 °C, heating about 145 days) and a Karaganda steel town
// (Temirtau, −32 °C, about 207 days) side by side.
import { describe, expect, it } from 'vitest';
import { heatingSchedule, DEFAULT_HEATING_CHART } from '../../../devices/index.ts';
import { runRulesTest } from '../../../services/cli/rules-test.ts';
import { loadConfig } from '../../../services/config.ts';
import { QalaError } from '../../../services/contracts/errors.ts';
import type { Reading } from '../../../services/contracts/index.ts';
import type { TownContext } from '../../../services/rules/conditions.ts';
import { RulesEngine, type RuleSignal } from '../../../services/rules/engine.ts';
import { BUILTIN_RULES, loadRules } from '../../../services/rules/loader.ts';
import { townContext } from '../../../services/rules/town.ts';
import { conditionsAt, heatingSeasonOn } from '../../../simulator/environment.ts';
import { loadScenario, type Scenario } from '../../../simulator/scenario.ts';

const M = 60_000;
const DAY = 86_400_000;
const zhanaozen = loadScenario('zhanaozen');
const temirtau = loadScenario('temirtau');

async function engineFor(town: Partial<TownContext>) {
  const signals: RuleSignal[] = [];
  const engine = new RulesEngine({ onSignal: (s) => signals.push(s), town });
  engine.setRules(await loadRules(BUILTIN_RULES));
  const read = (deviceId: string, ts: number, metrics: Record<string, number>) =>
    engine.handle({ town: 'test', subsystem: 'utilities', district: 'centre', kind: 'heat-substation', deviceId, ts, receivedAt: ts, metrics } satisfies Reading);
  const raised = () => signals.filter((s) => s.type === 'raised').map((s) => `${s.ruleId}:${s.asset}`);
  return { engine, read, raised };
}

/** a substation holding `supply` for three hours at a steady outdoor temperature, one reading a minute */
async function hold(town: Partial<TownContext>, supply: number, outdoor: number): Promise<string[]> {
  const { engine, read, raised } = await engineFor(town);
  const t0 = Date.parse('2026-01-20T06:00:00+05:00');
  for (let t = 0; t < 3 * 60 * M; t += M) {
    read('hs-1', t0 + t, { supplyTemp: supply, returnTemp: 50, flow: 40, outdoorTemp: outdoor });
    engine.sweep(t0 + t);
  }
  return raised();
}

describe('the schedule check uses the chart of the town\'s own design temperature', () => {
  // Sokolov's formula (devices/heating-schedule.ts) by hand at −10 °C outdoors, ti = 20 °C,
  // Δt' = (95 + 70)/2 − 20 = 62.5, δτ' − θ'/2 = 60 − 12.5 = 47.5, exponent 1/(1 + 0.25) = 0.8:
  //   design −17 °C: Q = 30/37 = 0.8108, Q^0.8 = 0.8455, τ1 = 20 + 52.85 + 38.51 = 111.36 °C
  //   design −32 °C: Q = 30/52 = 0.5769, Q^0.8 = 0.6440, τ1 = 20 + 40.25 + 27.40 = 87.65 °C
  const owed = { caspian: 111.36, karaganda: 87.65 };
  const band = 10; // heating-underheating's `below`

  it('owes a Caspian substation about 111 °C and a Karaganda one about 88 °C at −10 °C outdoors, as computed by hand', async () => {
    expect(heatingSchedule(-10, { ...DEFAULT_HEATING_CHART, designOutdoor: -17 }).supply).toBeCloseTo(owed.caspian, 1);
    expect(heatingSchedule(-10, { ...DEFAULT_HEATING_CHART, designOutdoor: -32 }).supply).toBeCloseTo(owed.karaganda, 1);
    // the rules engine raises underheating just below owed − band and not just above it, for each town's chart
    for (const [design, supply] of [[-17, owed.caspian], [-32, owed.karaganda]] as const) {
      const town = { designOutdoorC: design, utcOffsetMinutes: 300 };
      expect(await hold(town, supply - band - 0.3, -10), `design ${design} °C`).toEqual(['heating-underheating:hs-1']);
      expect(await hold(town, supply - band + 0.3, -10), `design ${design} °C`).toEqual([]);
    }
  });

  it('takes the design temperature from the scenario: 94 °C at −10 °C is below the chart in Zhanaozen and ample in Temirtau', async () => {
    const caspian = townContext(zhanaozen, { simulated: false });
    const karaganda = townContext(temirtau, { simulated: false });
    // SP RK 2.04-01-2017: about −15…−20 °C on the Mangystau coast, about −32 °C at Karaganda
    expect(caspian.designOutdoorC).toBeGreaterThanOrEqual(-20);
    expect(caspian.designOutdoorC).toBeLessThanOrEqual(-15);
    expect(karaganda.designOutdoorC).toBeGreaterThanOrEqual(-35);
    expect(karaganda.designOutdoorC).toBeLessThanOrEqual(-30);
    // owed 105–116 °C for −20…−15 °C: 94 °C is underheating, or a failure past 15 °C below; 78–90 °C for −35…−30 °C
    expect(await hold(caspian, 94, -10)).toEqual([caspian.designOutdoorC <= -19 ? 'heating-underheating:hs-1' : 'heating-failure:hs-1']);
    expect(await hold(karaganda, 94, -10)).toEqual([]);
  });

  it('lets QALA_DESIGN_OUTDOOR_C override the scenario, and refuses a deployment without the simulator that gives no climate at all', () => {
    expect(townContext(temirtau, { simulated: false, designOutdoorC: -17 }).designOutdoorC).toBe(-17);
    const bare: Scenario = { ...zhanaozen, climate: undefined };
    // the simulator then runs Karaganda's climate, and the rules follow it
    expect(townContext(bare, { simulated: true }).designOutdoorC).toBe(-32);
    expect(() => townContext(bare, { simulated: false })).toThrow(QalaError);
    expect(() => townContext(bare, { simulated: false })).toThrow(/QALA_DESIGN_OUTDOOR_C: required when QALA_SIMULATE=false/);
    // the variable itself is checked at start-up with the others
    expect(loadConfig({ QALA_DESIGN_OUTDOOR_C: '-17' }).designOutdoorC).toBe(-17);
    expect(() => loadConfig({ QALA_DESIGN_OUTDOOR_C: '-70' })).toThrow(/QALA_DESIGN_OUTDOOR_C="-70": a temperature from -60 to 10 °C/);
    expect(() => loadConfig({ QALA_DESIGN_OUTDOOR_C: 'cold' })).toThrow(/QALA_DESIGN_OUTDOOR_C="cold"/);
  });
});

/** the town's scenario with only its heating devices: substations and the schools and kindergartens they feed */
function heatingOnly(s: Scenario): Scenario {
  const keep = ['heat-substation', 'school-classroom', 'kindergarten-room'];
  return {
    ...s,
    faults: [],
    deviceDensity: Object.fromEntries(Object.entries(s.deviceDensity).filter(([k]) => keep.includes(k))),
    districts: s.districts.map((d) => ({ ...d, devices: Object.fromEntries(Object.entries(d.devices).filter(([k]) => keep.includes(k))) })),
  };
}


const HEATING_RULES = ['heating-failure', 'heating-underheating', 'classroom-underheated', 'kindergarten-underheated'];

describe('a healthy Zhanaozen winter', () => {
  it('raises no heating incident that no fault explains, and finds every substation failure', async () => {
    // a January day and a half, hard cases on, faults at 50 times their rate; a heat meter every 5 minutes
    const r = await runRulesTest({
      rulesFile: BUILTIN_RULES, scenario: heatingOnly(zhanaozen), seed: 3, start: Date.parse('2026-01-15T00:00:00+05:00'),
      durationMs: 1.5 * DAY, intervalMs: 5 * M, scale: 1, faultRate: 50, hardCases: 1,
    });
    expect(r.readings).toBeGreaterThan(20_000);
    // (a heat meter every 5 minutes trips the 5-minute offline rule now and then: not a heating rule)
    expect(r.unexplained.filter((s) => HEATING_RULES.includes(s.ruleId)).map((s) => `${s.ruleId}:${s.asset}@${new Date(s.at).toISOString()}`)).toEqual([]);
    const failures = r.byFault.find((f) => f.kind === 'heating-substation-failure')!;
    expect(failures.injected).toBeGreaterThan(0);
    expect(failures.recall).toBe(1);
    expect(failures.precision).toBe(1);
  }, 120_000);
});

describe('the heating season is each town\'s own', () => {
  /** a day (local) of spring or autumn on which the simulated Temirtau heats and Zhanaozen no longer (or not yet) does */
  function shoulderDay(from: string, to: string): number {
    for (let d = Math.floor(Date.parse(from) / DAY); d < Math.floor(Date.parse(to) / DAY); d++) {
      const run = [0, 1, 2, 3, 4, 5, 6, 7].every((back) => heatingSeasonOn(d - back, temirtau.climate) && !heatingSeasonOn(d - back, zhanaozen.climate));
      if (run) return d;
    }
    throw new Error(`no day between ${from} and ${to} on which Temirtau heats and Zhanaozen does not`);
  }

  /**
   * A week of a town's outdoor temperatures (the simulated climate) reported by a
   * healthy substation, and on the last day a second substation whose supply has
   * fallen to 25 °C: heating off (or hot water shut for its maintenance), which in
   * the heating season is a failure and out of it is nothing.
   */
  async function lastDay(s: Scenario, day: number) {
    const { engine, read, raised } = await engineFor(townContext(s, { simulated: true }));
    const local = day * DAY - s.utcOffsetMinutes * M;
    for (let t = local - 7 * DAY; t < local + DAY; t += 5 * M) {
      const c = conditionsAt(t, s.utcOffsetMinutes, s.climate);
      const supply = c.heatingSeason ? heatingSchedule(c.outdoorTemp, { ...DEFAULT_HEATING_CHART, designOutdoor: s.climate!.designOutdoorC }).supply : 66;
      read('hs-ok', t, { supplyTemp: supply, returnTemp: 45, flow: 40, outdoorTemp: c.outdoorTemp });
      if (t >= local) read('hs-off', t, { supplyTemp: 25, returnTemp: 24, flow: 5, outdoorTemp: c.outdoorTemp });
      engine.sweep(t);
    }
    return { raised: raised(), season: engine.stats().heatingSeason };
  }

  for (const [when, from, to] of [['autumn', '2026-09-15T00:00:00Z', '2026-12-31T00:00:00Z'], ['spring', '2026-02-15T00:00:00Z', '2026-05-31T00:00:00Z']] as const) {
    it(`keeps the heating rules silent in Zhanaozen's ${when} while Temirtau, still heating, raises its failure`, async () => {
      const day = shoulderDay(from, to);
      const caspian = await lastDay(zhanaozen, day);
      const karaganda = await lastDay(temirtau, day);
      expect(caspian.season, new Date(day * DAY).toISOString().slice(0, 10)).toBe(false);
      expect(caspian.raised).toEqual([]);
      expect(karaganda.season).toBe(true);
      expect(karaganda.raised).toEqual(['heating-failure:hs-off']);
    });
  }

  it('switches heating on after the fifth local day in a row at or below +8 °C, and not before', async () => {
    const { engine, read } = await engineFor({ utcOffsetMinutes: 300 });
    const local0 = Date.parse('2026-10-01T00:00:00+05:00');
    // two days at +12 °C, then days at +7 °C; a day is judged once it has closed (the first reading of the next)
    const dailyMean = (day: number) => (day < 2 ? 12 : 7);
    const seasonAfter: (boolean | null)[] = [];
    for (let day = 0; day < 8; day++) {
      for (let t = 0; t < DAY; t += 10 * M) read('hs-ok', local0 + day * DAY + t, { supplyTemp: 66, returnTemp: 42, flow: 10, outdoorTemp: dailyMean(day) + 4 * Math.sin((2 * Math.PI * t) / DAY) });
      seasonAfter.push(engine.stats().heatingSeason);
    }
    // seen at the end of local days 0..7: days 0 and 1 warm; days 2..6 are the five cold days, day 6 closes on day 7's first reading
    expect(seasonAfter).toEqual([false, false, false, false, false, false, false, true]);
  });

  it('counts its days from the town\'s local midnight', async () => {
    // a local day of 0 °C from midnight to 05:00 and 12 °C after (mean 9.5 °C: out of season);
    // on UTC days a UTC+5 town's first day would be the five cold night hours alone (mean 0 °C)
    const { engine, read } = await engineFor({ utcOffsetMinutes: 300 });
    const local0 = Date.parse('2026-10-01T00:00:00+05:00');
    for (let t = local0; t <= local0 + DAY; t += 10 * M) read('hs-ok', t, { supplyTemp: 66, returnTemp: 42, flow: 10, outdoorTemp: t - local0 < 5 * 3_600_000 ? 0 : 12 });
    expect(engine.stats().heatingSeason).toBe(false);
  });
});
