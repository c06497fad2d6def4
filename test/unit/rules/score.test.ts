import { describe, expect, it } from 'vitest';
import type { RuleSignal } from '../../../services/contracts/index.ts';
import { parseRules } from '../../../services/rules/loader.ts';
import { formatFaultKinds, scoreFaultKinds, scoreHardNegatives } from '../../../services/rules/score.ts';
import type { HardCase } from '../../../simulator/field.ts';
import type { FaultRecord } from '../../../simulator/feed.ts';

const T0 = Date.UTC(2026, 0, 15);
const M = 60_000;
/** The feeder's own rule, in both packs below. */
const OUTAGE = `  - id: outage
    title: Outage
    severity: critical
    match: { kinds: [power-feeder] }
    when: { threshold: { metric: voltage, below: 50 } }
    detects: [power-feeder-outage]
`;
const rules = parseRules(
  `
rules:
${OUTAGE}  - id: offline
    title: Offline
    severity: warning
    match: { kinds: [water-pressure] }
    absentFor: 5m
    detects: [power-feeder-outage]`,
  'test.yaml',
);
const fault = (id: string, target: string, start: number, end: number): FaultRecord => ({ id, kind: 'power-feeder-outage', utility: 'power', district: 'd', target, devices: [target], silenced: [], start, end, severity: 1, scheduled: false });
const signal = (ruleId: string, device: string, at: number, raisedAt: number): RuleSignal => ({
  type: 'raised', ruleId, title: ruleId, severity: 'critical', autoResolve: true, asset: device, district: 'd', subsystem: 'utilities', utility: 'power', kind: 'power-feeder', devices: [device], evidence: [], at, raisedAt, flaps: 0,
});

describe('scoring per fault kind', () => {
  it('measures time to detect to when the incident was raised, not to its back-dated start', () => {
    const faults = [fault('f1', 'pf-1', T0, T0 + 30 * M), fault('f2', 'pf-2', T0, T0 + 30 * M), fault('f3', 'pf-3', T0, T0 + 30 * M)];
    const signals = [signal('outage', 'pf-1', T0 + 5_000, T0 + 20_000), signal('outage', 'pf-2', T0 + 5_000, T0 + 40_000), signal('outage', 'pf-9', T0, T0 + 1000)];
    const [s] = scoreFaultKinds(rules, signals, faults);
    expect(s).toMatchObject({ kind: 'power-feeder-outage', injected: 3, detected: 2, incidents: 3, truePositives: 2, ttdMedianS: 20, ttdMaxS: 40, incidentsPerFault: 1 });
    expect(s!.precision).toBeCloseTo(2 / 3);
    expect(s!.recall).toBeCloseTo(2 / 3);
  });

  it('counts incidents a fault caused for other services apart from its own utility\'s', () => {
    const withSchool = parseRules(
      `
rules:
${OUTAGE}  - id: cold
    title: Cold classroom
    severity: major
    match: { kinds: [school-classroom] }
    when: { threshold: { metric: airTemp, below: 18 } }
    detects: [power-feeder-outage]`,
      'test.yaml',
    );
    const faults = [{ ...fault('f1', 'pf-1', T0, T0 + 30 * M), devices: ['pf-1', 'sch-1'] }];
    const signals = [signal('outage', 'pf-1', T0, T0 + 20_000), { ...signal('cold', 'sch-1', T0 + 10 * M, T0 + 10 * M), utility: 'education' }];
    expect(scoreFaultKinds(withSchool, signals, faults)[0]).toMatchObject({ incidentsPerFault: 1, elsewherePerFault: 1 });
  });

  it('counts every incident a fault caused', () => {
    const faults = [fault('f1', 'pf-1', T0, T0 + 30 * M)];
    const signals = [signal('outage', 'pf-1', T0, T0 + 20_000), signal('outage', 'pf-1', T0 + 10 * M, T0 + 10 * M)];
    expect(scoreFaultKinds(rules, signals, faults)[0]!.incidentsPerFault).toBe(2);
  });
});

describe('scoring hard negatives', () => {
  const cases: HardCase[] = [
    { id: 'h1', class: 'spike', district: 'd', devices: ['pf-5'], start: T0 + M, end: T0 + M, allows: [] },
    { id: 'h2', class: 'gateway-backfill', district: 'd', devices: ['wp-1'], start: T0, end: T0 + 60 * M, allows: ['offline'] },
  ];

  it('counts an unexplained incident on a hard-case device as false for its class, unless the case allows the rule', () => {
    const signals = [signal('outage', 'pf-5', T0 + M, T0 + M + 20_000), signal('offline', 'wp-1', T0 + 10 * M, T0 + 10 * M)];
    const { classes, unexplained } = scoreHardNegatives(rules, signals, [], cases);
    expect(classes).toEqual([
      { class: 'gateway-backfill', cases: 1, falseIncidents: 0 },
      { class: 'spike', cases: 1, falseIncidents: 1 },
    ]);
    expect(unexplained).toHaveLength(2);
    // and a gateway's real silence is not held against the fault kind's precision
    expect(scoreFaultKinds(rules, signals, [], cases)[0]!.incidents).toBe(1);
  });
});

describe('incidents per fault', () => {
  it('does not count another fault\'s own incident against this one', () => {
    const outage = { ...fault('f1', 'pf-1', T0, T0 + 60 * M), silenced: ['wp-7'] };
    const other: FaultRecord = { ...fault('f2', 'wp-7', T0 + 10 * M, T0 + 40 * M), kind: 'water-main-break' };
    const withOther = parseRules(
      `
rules:
${OUTAGE}  - id: low
    title: Low
    severity: major
    match: { kinds: [water-pressure] }
    when: { threshold: { metric: pressure, below: 2 } }
    detects: [water-main-break]`,
      'test.yaml',
    );
    const signals = [signal('outage', 'pf-1', T0, T0 + 20_000), signal('low', 'wp-7', T0 + 12 * M, T0 + 12 * M)];
    const byKind = Object.fromEntries(scoreFaultKinds(withOther, signals, [outage, other]).map((s) => [s.kind, s]));
    expect(byKind['power-feeder-outage']!.incidentsPerFault).toBe(1);
    expect(byKind['water-main-break']!.incidentsPerFault).toBe(1);
  });
});

describe('a kind the run drew none of', () => {
  it('is named as unmeasured when faults were expected, with how many, and not when none were (out of season)', () => {
    const scores = scoreFaultKinds(rules, [], []);
    const out = formatFaultKinds(scores, new Map([['power-feeder-outage', 1.4]]));
    expect(out.split('\n')[0]).toMatch(/ expected /);
    expect(out).toContain('power-feeder-outage: none drawn (about 1.4 expected), so its recall and time to detect are not measured by this run');
    expect(formatFaultKinds(scores, new Map([['power-feeder-outage', 0]]))).not.toContain('none drawn');
  });
});
