// Each rule kind on a fake clock: readings carry their own timestamps and sweeps
// are called by hand, so a simulated hour runs in microseconds.
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../services/contracts/index.ts';
import { RulesEngine, type RuleSignal } from '../../../services/rules/engine.ts';
import { parseRules } from '../../../services/rules/loader.ts';

const T0 = Date.UTC(2026, 0, 15, 6, 0);
const S = 1000;
const M = 60_000;

function setup(yaml: string) {
  const signals: RuleSignal[] = [];
  const engine = new RulesEngine({ onSignal: (s) => signals.push(s) });
  engine.setRules(parseRules(yaml, 'test.yaml'));
  const read = (deviceId: string, kind: string, at: number, metrics: Record<string, number>, district = 'old-town') =>
    engine.handle({ town: 'temirtau', subsystem: 'utilities', district, kind, deviceId, ts: at, receivedAt: at, metrics } satisfies Reading);
  const types = () => signals.map((s) => `${s.type}:${s.asset}@${(s.at - T0) / S}s`);
  return { engine, signals, read, types };
}

describe('threshold with duration and hysteresis', () => {
  const yaml = `
rules:
  - id: low
    title: Low pressure
    severity: major
    match: { kinds: [water-pressure] }
    when: { threshold: { metric: pressure, below: 2.0, clear: 2.4 } }
    for: 2m
    clearFor: 5m`;

  it('raises only after the condition held for its duration', () => {
    const { read, types } = setup(yaml);
    read('wp-1', 'water-pressure', T0, { pressure: 1.5 });
    read('wp-1', 'water-pressure', T0 + 60 * S, { pressure: 1.6 });
    expect(types()).toEqual([]);
    read('wp-1', 'water-pressure', T0 + 120 * S, { pressure: 1.6 });
    expect(types()).toEqual(['raised:wp-1@0s']);
  });

  it('does not raise for a dip shorter than the duration', () => {
    const { read, types } = setup(yaml);
    read('wp-1', 'water-pressure', T0, { pressure: 1.5 });
    read('wp-1', 'water-pressure', T0 + 60 * S, { pressure: 3 });
    read('wp-1', 'water-pressure', T0 + 200 * S, { pressure: 3 });
    expect(types()).toEqual([]);
  });

  it('holds between the threshold and the clear level, and clears after clearFor', () => {
    const { engine, read, types } = setup(yaml);
    read('wp-1', 'water-pressure', T0, { pressure: 1.5 });
    read('wp-1', 'water-pressure', T0 + 3 * M, { pressure: 1.5 });
    read('wp-1', 'water-pressure', T0 + 4 * M, { pressure: 2.2 }); // above 2.0 but below 2.4: still hit
    engine.sweep(T0 + 20 * M);
    expect(types()).toEqual(['raised:wp-1@0s']);
    read('wp-1', 'water-pressure', T0 + 21 * M, { pressure: 2.5 });
    engine.sweep(T0 + 25 * M);
    expect(types()).toHaveLength(1);
    engine.sweep(T0 + 26 * M);
    expect(types()).toEqual(['raised:wp-1@0s', 'cleared:wp-1@1260s']);
  });

  it('counts flapping while raised as repeats, not new raises', () => {
    const { read, signals } = setup(yaml);
    read('wp-1', 'water-pressure', T0, { pressure: 1.5 });
    read('wp-1', 'water-pressure', T0 + 2 * M, { pressure: 1.5 });
    for (let i = 0; i < 3; i++) {
      read('wp-1', 'water-pressure', T0 + (3 + 2 * i) * M, { pressure: 2.6 });
      read('wp-1', 'water-pressure', T0 + (4 + 2 * i) * M, { pressure: 1.8 });
    }
    expect(signals.map((s) => s.type)).toEqual(['raised', 'repeated', 'repeated', 'repeated']);
    expect(signals.at(-1)!.flaps).toBe(3);
  });
});

describe('rate of change', () => {
  it('raises on a drop of X within Y, not on a slow slide', () => {
    const { read, types } = setup(`
rules:
  - id: drop
    title: Pressure drop
    severity: critical
    match: { kinds: [water-pressure] }
    when: { rateOfChange: { metric: pressure, drop: 1.0, within: 5m } }
    minSamples: 1
    for: 0
    clearFor: 0`);
    // slow slide: 0.5 bar per 5 minutes
    for (let i = 0; i <= 20; i++) read('wp-slow', 'water-pressure', T0 + i * M, { pressure: 4.5 - 0.1 * i });
    // fast drop: 1.5 bar in 2 minutes
    read('wp-fast', 'water-pressure', T0, { pressure: 4.5 });
    read('wp-fast', 'water-pressure', T0 + M, { pressure: 4.0 });
    read('wp-fast', 'water-pressure', T0 + 2 * M, { pressure: 3.0 });
    expect(types()).toEqual(['raised:wp-fast@120s']);
  });
});

describe('absence', () => {
  it('raises when a device has been silent for N and clears when it speaks again', () => {
    const { engine, read, types } = setup(`
rules:
  - id: offline
    title: Device offline
    severity: warning
    match: { kinds: [water-pressure] }
    absentFor: 5m
    clearFor: 0`);
    read('wp-1', 'water-pressure', T0, { pressure: 4 });
    read('wp-2', 'water-pressure', T0, { pressure: 4 });
    read('wp-2', 'water-pressure', T0 + 4 * M, { pressure: 4 });
    engine.sweep(T0 + 4 * M);
    expect(types()).toEqual([]);
    engine.sweep(T0 + 6 * M);
    expect(types()).toEqual(['raised:wp-1@300s']);
    read('wp-1', 'water-pressure', T0 + 7 * M, { pressure: 4 });
    expect(types()).toEqual(['raised:wp-1@300s', 'cleared:wp-1@420s']);
  });
});

describe('group correlation', () => {
  const yaml = `
rules:
  - id: break
    title: Main break
    severity: critical
    match: { kinds: [water-pressure] }
    when: { threshold: { metric: pressure, below: 2.0, clear: 2.8 } }
    group: { by: district, k: 3, window: 10m }
    minSamples: 1
    for: 0
    clearFor: 5m`;

  it('raises one incident per district when k devices trip within the window, members folded in', () => {
    const { read, signals, types } = setup(yaml);
    read('wp-1', 'water-pressure', T0, { pressure: 1.0 });
    read('wp-2', 'water-pressure', T0 + 2 * M, { pressure: 1.5 });
    read('wp-x', 'water-pressure', T0 + 2 * M, { pressure: 1.5 }, 'new-town'); // another district does not count
    expect(types()).toEqual([]);
    read('wp-3', 'water-pressure', T0 + 4 * M, { pressure: 1.9 });
    read('wp-4', 'water-pressure', T0 + 5 * M, { pressure: 1.2 });
    // wp-4 joins the open group: folded into the same incident as a repeat, not raised again
    expect(types()).toEqual(['raised:old-town@240s', 'repeated:old-town@300s']);
    expect(signals[0]!.devices.sort()).toEqual(['wp-1', 'wp-2', 'wp-3']);
    expect(signals[1]!.devices.sort()).toEqual(['wp-1', 'wp-2', 'wp-3', 'wp-4']);
    expect(signals[0]!.evidence.map((e) => e.deviceId).sort()).toEqual(['wp-1', 'wp-2', 'wp-3']);
  });

  it('does not correlate trips further apart than the window', () => {
    const { read, types } = setup(yaml);
    read('wp-1', 'water-pressure', T0, { pressure: 1.0 });
    read('wp-2', 'water-pressure', T0 + 6 * M, { pressure: 1.5 });
    read('wp-3', 'water-pressure', T0 + 12 * M, { pressure: 1.5 });
    expect(types()).toEqual([]);
  });

  it('clears when every member has recovered for clearFor', () => {
    const { engine, read, types } = setup(yaml);
    for (const [i, id] of ['wp-1', 'wp-2', 'wp-3'].entries()) read(id, 'water-pressure', T0 + i * M, { pressure: 1.0 });
    for (const id of ['wp-1', 'wp-2']) read(id, 'water-pressure', T0 + 10 * M, { pressure: 3.5 });
    engine.sweep(T0 + 30 * M);
    expect(types()).toEqual(['raised:old-town@120s']);
    read('wp-3', 'water-pressure', T0 + 31 * M, { pressure: 3.5 });
    engine.sweep(T0 + 36 * M);
    expect(types()).toEqual(['raised:old-town@120s', 'cleared:old-town@1860s']);
  });

  it('folds a member that recovered and trips again into the open incident as a repeat', () => {
    const { read, signals, types } = setup(yaml);
    for (const [i, id] of ['wp-1', 'wp-2', 'wp-3', 'wp-4'].entries()) read(id, 'water-pressure', T0 + i * M, { pressure: 1.0 });
    read('wp-1', 'water-pressure', T0 + 5 * M, { pressure: 3.5 }); // recovered; wp-2..4 keep the incident open
    read('wp-1', 'water-pressure', T0 + 8 * M, { pressure: 1.0 }); // a second break there
    expect(types()).toEqual(['raised:old-town@120s', 'repeated:old-town@180s', 'repeated:old-town@480s']);
    expect(signals[2]!.devices).toContain('wp-1');
  });
});

describe('group correlation: a fresh onset on a member still hit, a district with fewer devices than k', () => {
  // a drop of 0.6 within 5 minutes, cleared only once the pressure is back above 2.8
  const yaml = (allIfFewer: boolean) => `
rules:
  - id: break
    title: Main break
    severity: critical
    match: { kinds: [water-pressure] }
    when: { rateOfChange: { metric: pressure, drop: 0.6, within: 5m } }
    clearWhen: { threshold: { metric: pressure, above: 2.8 } }
    group: { by: district, k: 2, window: 10m, allIfFewer: ${allIfFewer} }
    minSamples: 2
    for: 0
    clearFor: 10m`;
  const series = (read: (id: string, kind: string, at: number, m: Record<string, number>) => void, id: string, from: number, values: number[]) =>
    values.forEach((v, i) => read(id, 'water-pressure', from + i * 10 * S, { pressure: v }));

  it('reports a second drop on members an earlier break left low, as a repeat of the open incident', () => {
    const { read, types } = setup(yaml(false));
    series(read, 'wp-1', T0, [4, 4, 3, 2.5, 2.5]);
    series(read, 'wp-2', T0 + 1 * S, [4, 4, 3.2, 2.6, 2.6]);
    expect(types()).toEqual(['raised:old-town@31s']);
    // ten minutes later both are still low (below the 2.8 clear level): a new drop on wp-1 is news
    series(read, 'wp-1', T0 + 10 * M, [2.5, 2.5, 1.5, 1.0, 1.0]);
    expect(types()).toEqual(['raised:old-town@31s', 'repeated:old-town@630s']);
    // a reading that only continues the same low level is not
    series(read, 'wp-2', T0 + 10 * M + S, [2.6, 2.6, 2.6]);
    expect(types()).toHaveLength(2);
  });

  it('with allIfFewer, a district with a single device raises on that device alone; without it, never', () => {
    for (const allIfFewer of [true, false]) {
      const { read, types } = setup(yaml(allIfFewer));
      series(read, 'wp-1', T0, [4, 4, 3, 2.5, 2.5]);
      read('wp-9', 'water-pressure', T0, { pressure: 4 }, 'new-town'); // other districts' devices do not count
      expect(types()).toEqual(allIfFewer ? ['raised:old-town@30s'] : []);
    }
  });

  it('with allIfFewer, a district of two devices still needs both', () => {
    const { read, types } = setup(yaml(true));
    read('wp-2', 'water-pressure', T0, { pressure: 4 });
    series(read, 'wp-1', T0, [4, 4, 3, 2.5, 2.5]);
    expect(types()).toEqual([]);
    series(read, 'wp-2', T0 + 60 * S, [4, 3.2, 3.2]);
    expect(types()).toEqual(['raised:old-town@80s']);
  });
});

describe('heating schedule comparison', () => {
  it('raises when supply is below the 130/70 schedule for the outdoor temperature', () => {
    const { read, types } = setup(`
rules:
  - id: underheat
    title: Underheating
    severity: major
    match: { kinds: [heat-substation] }
    when: { belowSchedule: { metric: supplyTemp, below: 10 } }
    minSamples: 1
    clearFor: 0`);
    // at −32 °C the schedule wants 130 °C; at +8 °C it wants 70 °C
    read('hs-cold', 'heat-substation', T0, { supplyTemp: 100, outdoorTemp: -32 });
    read('hs-mild', 'heat-substation', T0, { supplyTemp: 100, outdoorTemp: 8 });
    expect(types()).toEqual(['raised:hs-cold@0s']);
  });
});

describe('and/or composition', () => {
  it('needs every branch of all, and any branch of any', () => {
    const { read, types } = setup(`
rules:
  - id: voltage
    title: Voltage out of band
    severity: minor
    match: { kinds: [power-feeder] }
    when:
      any:
        - all:
            - threshold: { metric: voltage, below: 207 }
            - threshold: { metric: voltage, above: 50 }
        - threshold: { metric: voltage, above: 253 }
    clearFor: 0`);
    read('pf-dead', 'power-feeder', T0, { voltage: 0 });
    read('pf-low', 'power-feeder', T0, { voltage: 200 });
    read('pf-high', 'power-feeder', T0, { voltage: 260 });
    read('pf-ok', 'power-feeder', T0, { voltage: 230 });
    expect(types().sort()).toEqual(['raised:pf-high@0s', 'raised:pf-low@0s']);
  });
});

describe('indexing', () => {
  it('evaluates only the rules that watch the reading\'s kind', () => {
    const many = Array.from({ length: 500 }, (_, i) => `
  - id: heat-${i}
    title: Heat ${i}
    severity: minor
    match: { kinds: [heat-substation] }
    when: { threshold: { metric: supplyTemp, below: ${i} } }`).join('');
    const { engine, read } = setup(`rules:${many}
  - id: water
    title: Water
    severity: minor
    match: { kinds: [water-pressure] }
    when: { threshold: { metric: pressure, below: 1 } }`);
    read('wp-1', 'water-pressure', T0, { pressure: 3 });
    expect(engine.stats().evaluations).toBe(1);
  });
});

describe('rule files', () => {
  it.each([
    ['rules:\n  - id: x\n    title: X\n    severity: fatal\n    match: { kinds: [water-pressure] }\n    absentFor: 5m', 'rules.0.severity'],
    ['rules:\n  - id: x\n    title: X\n    severity: minor\n    match: { kinds: [teapot] }\n    absentFor: 5m', 'rules.0.match.kinds.0'],
    ['rules:\n  - id: x\n    title: X\n    severity: minor\n    match: { kinds: [water-pressure] }\n    absentFor: soon', 'rules.0.absentFor: "soon" is not a duration'],
    ['rules:\n  - id: x\n    title: X\n    severity: minor\n    match: { kinds: [water-pressure] }\n    when: { threshold: { metric: pressure, below: 2, clear: 1 } }', 'clear must lie on the normal side'],
    ['rules:\n  - id: x\n    title: X\n    severity: minor\n    match: { kinds: [water-pressure] }', 'give exactly one of when'],
    ['rules: [ {', 'not valid YAML'],
  ])('refuses a bad rule with its path and reason (%#)', (text, reason) => {
    expect(() => parseRules(text, 'bad.yaml')).toThrow(reason);
  });
});
