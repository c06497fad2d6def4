// Schools and kindergartens: rooms on the town's local time and school calendar, CO2
// by the room's mass balance, heat held in the season; their faults (a school's own
// heating loss, a ventilation failure, and a district-heating substation failure
// cooling the schools it feeds) scored by the built-in rules with ground truth.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runRulesTest } from '../../../services/cli/rules-test.ts';
import { BUILTIN_RULES } from '../../../services/rules/loader.ts';
import { conditionsAt } from '../../../simulator/environment.ts';
import { Feed, type FaultRecord, type SimMessage } from '../../../simulator/feed.ts';
import { roomSession } from '../../../simulator/models-city.ts';
import { step } from '../../../simulator/models.ts';
import { deviceRandom } from '../../../simulator/rng.ts';
import { inventory, loadScenario, type Scenario } from '../../../simulator/scenario.ts';

const saran = loadScenario('saran');
const THURSDAY = Date.parse('2026-01-15T00:00:00+05:00');
const H = 3_600_000;

/** A day of one device's readings at 1-minute steps, from local midnight. */
function day(kind: string, from = THURSDAY, scenario: Scenario = saran) {
  const devices = inventory(scenario, { scale: 1, seed: 5 }).filter((d) => d.kind.id === kind);
  return devices.map((d) => {
    const rng = deviceRandom(5, d.deviceId);
    const state = {};
    const out: { t: number; m: Record<string, number> }[] = [];
    for (let t = from; t < from + 24 * H; t += 60_000) out.push({ t, m: step(d, scenario, t, 60_000, rng, state) });
    return out;
  });
}

const hourOf = (t: number) => new Date(t + 5 * H).getUTCHours() + new Date(t + 5 * H).getUTCMinutes() / 60;

describe('classrooms and group rooms', () => {
  it('fill for lessons in two shifts on a school day and stay empty at night and on Sunday', () => {
    for (const room of day('school-classroom')) {
      const at = (h: number) => room.find((r) => Math.abs(hourOf(r.t) - h) < 0.01)!.m;
      expect(at(9).occupancy).toBeGreaterThanOrEqual(18);
      expect(at(15).occupancy).toBeGreaterThanOrEqual(18);
      expect(at(2).occupancy).toBe(0);
      expect(at(20).occupancy).toBe(0);
    }
    const sunday = day('school-classroom', Date.parse('2026-01-18T00:00:00+05:00'));
    expect(sunday.flat().every((r) => r.m.occupancy === 0)).toBe(true);
    // the summer holidays
    expect(roomSession('school-classroom', conditionsAt(Date.parse('2026-07-15T10:00:00+05:00'), 300, saran.climate))).toBe('closed');
    expect(roomSession('kindergarten-room', conditionsAt(Date.parse('2026-07-15T10:00:00+05:00'), 300, saran.climate))).toBe('lesson');
  });

  it('keep CO2 under the 1000 ppm limit when ventilated as designed, well above the outdoor air in a lesson', () => {
    for (const kind of ['school-classroom', 'kindergarten-room']) {
      const rooms = day(kind);
      expect(rooms.length).toBeGreaterThan(3);
      const co2 = rooms.flat().map((r) => r.m.co2!);
      expect(Math.max(...co2)).toBeLessThan(1000);
      const lessons = rooms.flat().filter((r) => r.m.occupancy! > 10).map((r) => r.m.co2!);
      expect(lessons.reduce((a, b) => a + b, 0) / lessons.length).toBeGreaterThan(650);
      expect(Math.min(...rooms.flat().filter((r) => hourOf(r.t) < 6).map((r) => r.m.co2!))).toBeLessThan(500);
    }
  });

  it('hold the sanitary temperatures in the heating season', () => {
    for (const r of day('school-classroom').flat()) expect(r.m.airTemp).toBeGreaterThanOrEqual(18.5);
    for (const r of day('kindergarten-room').flat()) expect(r.m.airTemp).toBeGreaterThanOrEqual(21.5);
  });
});

/** A scenario with scheduled faults and no random ones, run through the feed. */
function withFaults(faults: Scenario['faults'], from = THURSDAY + 6 * H, hours = 6): { ms: SimMessage[]; feed: Feed } {
  const scenario: Scenario = { ...saran, faults };
  const feed = new Feed({ scenario, town: 'saran', seed: 9, start: from, intervalMs: 60_000, durationMs: hours * H, scale: 1, faultRate: 0 });
  return { ms: [...feed.messages()], feed };
}

const series = (ms: SimMessage[], deviceId: string, metric: string) =>
  ms.filter((m) => m.type === 'telemetry' && m.deviceId === deviceId).map((m) => ({ at: m.at, v: (JSON.parse(m.payload) as { metrics: Record<string, number> }).metrics[metric]! }));

describe('faults', () => {
  it('cools the schools and kindergartens a failed substation feeds, and only those', () => {
    const { ms, feed } = withFaults([{ at: '+30m', kind: 'heating-substation-failure', target: 'centre', duration: 4 * H }]);
    const f = feed.faults[0]!;
    expect(f.dependents?.length).toBeGreaterThan(0);
    expect(f.devices).toEqual(expect.arrayContaining(f.dependents!));
    for (const id of f.dependents!) expect(/^(sch|kg)-centre-/.test(id)).toBe(true);
    const coldest = (id: string) => Math.min(...series(ms, id, 'airTemp').filter((p) => p.at > f.start + 3 * H && p.at < f.end).map((p) => p.v));
    const school = f.dependents!.find((id) => id.startsWith('sch-'));
    expect(school, 'a school on the substation').toBeDefined();
    expect(coldest(school!)).toBeLessThan(18);
    // schools on other substations keep warm
    const others = feed.devices.filter((d) => d.kind.id === 'school-classroom' && !f.dependents!.includes(d.deviceId));
    expect(others.length).toBeGreaterThan(0);
    for (const d of others) expect(coldest(d.deviceId)).toBeGreaterThan(18.5);
  });

  it('raises CO2 over the limit in a lesson when the ventilation fails', () => {
    const { ms, feed } = withFaults([{ at: '+3h', kind: 'classroom-ventilation-failure', target: 'north', duration: 2 * H }]);
    const f = feed.faults[0]!;
    const during = series(ms, f.target, 'co2').filter((p) => p.at > f.start + 30 * 60_000 && p.at < f.end);
    expect(Math.max(...during.map((p) => p.v))).toBeGreaterThan(1500);
    expect(Math.max(...series(ms, f.target, 'co2').filter((p) => p.at < f.start).map((p) => p.v))).toBeLessThan(1000);
  });

  it('draws the new kinds\' random faults on their own streams: the networks\' faults stay as they were', () => {
    const random = (faultRate: number, scenario: Scenario) =>
      new Feed({ scenario, town: 'saran', seed: 4, start: THURSDAY, intervalMs: 300_000, durationMs: 24 * H, scale: 1, faultRate });
    const networkFaults = (feed: Feed) => {
      for (const _ of feed.messages());
      return feed.faults.filter((f) => !['school-heating-loss', 'classroom-ventilation-failure'].includes(f.kind)).map((f) => `${f.kind} ${f.target} ${f.start}`);
    };
    const withoutSchools: Scenario = { ...saran, deviceDensity: { ...saran.deviceDensity, 'school-classroom': 0, 'kindergarten-room': 0 } };
    const a = random(300, saran);
    const b = random(300, withoutSchools);
    expect(networkFaults(a)).toEqual(networkFaults(b));
    expect(a.faults.some((f) => f.kind === 'school-heating-loss' || f.kind === 'classroom-ventilation-failure')).toBe(true);
  });
});

describe('the built-in rules on education faults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qala-education-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('detect each fault and route the incidents to the education department', async () => {
    const file = join(dir, 'saran.json');
    const faults: Scenario['faults'] = [
      { at: '+1h', kind: 'school-heating-loss', target: 'east', duration: 4 * H },
      { at: '+3h', kind: 'classroom-ventilation-failure', target: 'north', duration: 2 * H },
      { at: '+1h', kind: 'heating-substation-failure', target: 'south', duration: 4 * H },
    ];
    // the generated scenario, written out as a scenario file of its own with scheduled faults
    writeFileSync(file, JSON.stringify({ ...saran, faults: faults.map((f) => ({ ...f, duration: `${f.duration / 60_000}m` })) }));
    const r = await runRulesTest({ rulesFile: BUILTIN_RULES, scenario: file, seed: 3, start: THURSDAY + 5 * H, durationMs: 7 * H, intervalMs: 30_000, scale: 1, faultRate: 0, hardCases: 0 });
    const byKind = Object.fromEntries(r.byFault.map((k) => [k.kind, k]));
    for (const kind of ['school-heating-loss', 'classroom-ventilation-failure', 'heating-substation-failure']) {
      expect(byKind[kind]!.injected, kind).toBe(1);
      expect(byKind[kind]!.recall, kind).toBe(1);
    }
    const education = r.raised.filter((s) => s.type === 'raised' && s.subsystem === 'education');
    expect(new Set(education.map((s) => s.ruleId))).toEqual(new Set(['classroom-underheated', 'classroom-co2-high', ...(education.some((s) => s.ruleId === 'kindergarten-underheated') ? ['kindergarten-underheated'] : [])]));
    for (const s of education) expect(s.utility).toBe('education');
    // nothing in education raised without a fault to explain it
    const touched = (s: (typeof education)[number], f: FaultRecord) => s.devices.some((d) => f.devices.includes(d));
    for (const s of education) expect(r.faults.some((f) => touched(s, f)), `${s.ruleId} ${s.asset}`).toBe(true);
  }, 120_000);
});
