// Social services: lifts in residential blocks (with the residents who depend on them
// flagged at birth) and care-alarm pendants of elderly residents living alone; their
// faults scored by the built-in rules and routed to the social service.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceRegistry, statusPayload } from '../../../devices/index.ts';
import { runRulesTest } from '../../../services/cli/rules-test.ts';
import { classify } from '../../../services/ingest/classify.ts';
import { BUILTIN_RULES } from '../../../services/rules/loader.ts';
import { Feed } from '../../../simulator/feed.ts';
import { loadScenario, type Scenario } from '../../../simulator/scenario.ts';

const saran = loadScenario('saran');
const START = Date.parse('2026-01-15T06:00:00+05:00');
const H = 3_600_000;

describe('lifts and care alarms', () => {
  it('flag in the lifts\' birth the residents who depend on them, and ingest passes it to the registry', () => {
    const feed = new Feed({ scenario: saran, town: 'saran', seed: 1, start: START, intervalMs: 60_000, durationMs: 60_000, scale: 1, faultRate: 0 });
    const births = [...feed.messages()].filter((m) => m.type === 'status' && m.topic.includes('/residential-lift/'));
    expect(births.length).toBeGreaterThan(5);
    const registry = new DeviceRegistry();
    const dependents = births.map((m) => {
      const c = classify(m.topic, Buffer.from(m.payload), { town: 'saran', registry, maxPayloadBytes: 65_536, receivedAt: START });
      if (c.type !== 'status') throw new Error(`not a status: ${JSON.stringify(c)}`);
      return c.status.attributes?.dependents;
    });
    expect(dependents.every((d) => typeof d === 'number')).toBe(true);
    expect(dependents.some((d) => (d as number) > 0)).toBe(true);
    expect(dependents.some((d) => d === 0)).toBe(true);
  });

  it('refuses birth attributes with odd names or too many of them', () => {
    expect(statusPayload.safeParse({ state: 'online', attributes: { dependents: 2 } }).success).toBe(true);
    expect(statusPayload.safeParse({ state: 'online', attributes: { 'a/b': 1 } }).success).toBe(false);
    expect(statusPayload.safeParse({ state: 'online', attributes: { x: { nested: 1 } } }).success).toBe(false);
    expect(statusPayload.safeParse({ state: 'online', attributes: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`a${i}`, i])) }).success).toBe(false);
  });
});

describe('the built-in rules on social-service faults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qala-social-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('raise a lift out of service past the hour and a pressed care alarm at once, for the social service', async () => {
    const file = join(dir, 'saran.json');
    const faults: Scenario['faults'] = [
      { at: '+30m', kind: 'lift-breakdown', target: 'centre', duration: 3 * H },
      { at: '+1h', kind: 'care-alarm-pressed', target: 'north', duration: 20 * 60_000 },
      // a breakdown repaired within the hour is no incident
      { at: '+2h', kind: 'lift-breakdown', target: 'east', duration: 40 * 60_000 },
    ];
    writeFileSync(file, JSON.stringify({ ...saran, faults: faults.map((f) => ({ ...f, duration: `${f.duration / 60_000}m` })) }));
    const r = await runRulesTest({ rulesFile: BUILTIN_RULES, scenario: file, seed: 3, start: START, durationMs: 5 * H, intervalMs: 30_000, scale: 1, faultRate: 0, hardCases: 0 });
    const social = r.raised.filter((s) => s.type === 'raised' && s.subsystem === 'social');
    for (const s of social) expect(s.utility).toBe('social');
    const lift = social.filter((s) => s.ruleId === 'lift-out-of-service');
    const [long, , short] = r.faults;
    expect(lift.map((s) => s.asset)).toEqual([long!.target]);
    expect(s(lift[0]!) - long!.start).toBeGreaterThanOrEqual(H);
    const alarm = social.filter((s) => s.ruleId === 'care-alarm-pressed');
    expect(alarm).toHaveLength(1);
    expect(s(alarm[0]!) - r.faults[1]!.start).toBeLessThan(2 * 60_000);
    expect(alarm[0]!.severity).toBe('critical');
    expect(social.some((x) => x.asset === short!.target)).toBe(false);
  }, 120_000);
});

const s = (x: { raisedAt?: number; at: number }) => x.raisedAt ?? x.at;
