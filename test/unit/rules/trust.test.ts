// What makes an incident trustworthy: debounce, expiring detections, event time
// (late and back-filled readings, skewed clocks, replay speed), the heating season
// and inhibition of consequences. Engine on a fake clock: readings carry their own
// timestamps, sweeps are called by hand.
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../services/contracts/index.ts';
import { RulesEngine, type RuleSignal } from '../../../services/rules/engine.ts';
import { BUILTIN_RULES, loadRules, parseRules } from '../../../services/rules/loader.ts';

const T0 = Date.UTC(2026, 0, 15, 6, 0);
const S = 1000;
const M = 60_000;

function setup(yaml: string | Awaited<ReturnType<typeof loadRules>>) {
  const signals: RuleSignal[] = [];
  const engine = new RulesEngine({ onSignal: (s) => signals.push(s) });
  engine.setRules(typeof yaml === 'string' ? parseRules(yaml, 'test.yaml') : yaml);
  /** a reading at device time `ts`, received at platform time `receivedAt` */
  const read = (deviceId: string, kind: string, ts: number, metrics: Record<string, number>, receivedAt = ts, district = 'old-town') =>
    engine.handle({ town: 'temirtau', subsystem: 'utilities', district, kind, deviceId, ts, receivedAt, metrics } satisfies Reading);
  const types = () => signals.map((s) => `${s.type}:${s.ruleId}:${s.asset}@${(s.at - T0) / S}s`);
  return { engine, signals, read, types };
}

describe('debounce (built-in pack)', () => {
  it('raises no power outage for one 0 V read error, and one within 20 s for a real outage', async () => {
    const { read, types } = setup(await loadRules(BUILTIN_RULES));
    for (let i = 0; i < 30; i++) read('pf-1', 'power-feeder', T0 + i * 10 * S, { voltage: i === 5 ? 0 : 229, load: 50 });
    expect(types()).toEqual([]);
    for (let i = 30; i < 40; i++) read('pf-1', 'power-feeder', T0 + i * 10 * S, { voltage: i >= 32 ? 0 : 229, load: 50 });
    expect(types()).toEqual(['raised:power-outage:pf-1@320s']);
    expect(types()[0]).toBeDefined();
  });

  it('raises nothing for one signal=0 or one smoke frame', async () => {
    const { read, engine, types } = setup(await loadRules(BUILTIN_RULES));
    for (let i = 0; i < 30; i++) {
      read('tc-1', 'traffic-counter', T0 + i * 10 * S, { vehiclesPerMin: 10, meanSpeed: 40, signal: i === 3 ? 0 : 1 });
      read('cam-1', 'emergency-camera', T0 + i * 10 * S, { online: 1, smoke: i === 7 ? 0.9 : 0, fire: 0, crowd: 0, personDown: 0 });
      engine.sweep(T0 + i * 10 * S);
    }
    expect(types()).toEqual([]);
  });

  it('does not meet a one-minute duration with a single reading from a device that reports every minute', () => {
    const { read, engine, types } = setup(`
rules:
  - id: low
    title: Low
    severity: major
    match: { kinds: [water-pressure] }
    when: { threshold: { metric: pressure, below: 2 } }
    for: 1m`);
    read('wp-2', 'water-pressure', T0, { pressure: 4 });
    read('wp-1', 'water-pressure', T0, { pressure: 1 });
    engine.sweep(T0 + 2 * M);
    expect(types()).toEqual([]);
    read('wp-1', 'water-pressure', T0 + M, { pressure: 1 });
    expect(types()).toEqual(['raised:low:wp-1@0s']);
  });
});

describe('event-like metrics expire', () => {
  it('clears a smoke detection that a report-on-change camera never reported again', async () => {
    const { read, engine, types } = setup(await loadRules(BUILTIN_RULES));
    read('cam-1', 'emergency-camera', T0, { online: 1, smoke: 0.8, fire: 0 });
    read('cam-1', 'emergency-camera', T0 + 10 * S, { online: 1, smoke: 0.85, fire: 0 });
    expect(types()).toEqual(['raised:camera-smoke-fire:cam-1@0s']);
    // the camera reports only on change, then falls quiet; another device keeps the watermark moving
    for (let t = 20 * S; t <= 15 * M; t += 10 * S) {
      read('wp-1', 'water-pressure', T0 + t, { pressure: 4, flow: 100 });
      engine.sweep(T0 + t);
    }
    // the detection expired after its hold (1 min past the last report, seen at the next sweep), then clearFor (10 min) ran out
    expect(types().filter((t) => t.includes('smoke'))).toEqual(['raised:camera-smoke-fire:cam-1@0s', 'cleared:camera-smoke-fire:cam-1@80s']);
  });
});

describe('event time', () => {
  const yaml = `
rules:
  - id: drop
    title: Pressure drop
    severity: critical
    match: { kinds: [water-pressure] }
    when: { rateOfChange: { metric: pressure, drop: 1.0, within: 5m } }
    minSamples: 2
    for: 0
    clearFor: 2m`;

  it('raises no backdated incident and no flapping from five hours of back-filled readings sent after live ones', () => {
    const { read, engine, types, signals } = setup(yaml);
    const now = T0 + 5 * 60 * M;
    // live readings first, at a healthy 4 bar
    for (let i = 0; i < 6; i++) read('wp-1', 'water-pressure', now + i * 10 * S, { pressure: 4 }, now + i * 10 * S);
    // then the gateway uploads five hours of history: a morning sag to 2.5 bar and back
    for (let t = 0; t < 5 * 60 * M; t += 10 * S) {
      const p = t > 60 * M && t < 90 * M ? 2.5 : 4;
      read('wp-1', 'water-pressure', T0 + t, { pressure: p }, now + 60 * S + t / 1000);
    }
    engine.sweep(now + 10 * M);
    expect(types()).toEqual([]);
    expect(engine.stats().late).toBeGreaterThan(1000);
    expect(signals).toHaveLength(0);
  });

  it('ignores a duplicated reading and places a late one in its window', () => {
    const { read, engine, types } = setup(yaml);
    read('wp-1', 'water-pressure', T0, { pressure: 4 });
    read('wp-1', 'water-pressure', T0 + 20 * S, { pressure: 4 });
    read('wp-1', 'water-pressure', T0 + 20 * S, { pressure: 4 }); // duplicate
    read('wp-1', 'water-pressure', T0 + 10 * S, { pressure: 4 }, T0 + 25 * S); // out of order
    read('wp-1', 'water-pressure', T0 + 30 * S, { pressure: 2.5 });
    read('wp-1', 'water-pressure', T0 + 40 * S, { pressure: 2.4 });
    expect(engine.stats().duplicates).toBe(1);
    expect(engine.stats().late).toBe(1);
    expect(types()).toEqual(['raised:drop:wp-1@30s']);
  });

  it('scores absence on the watermark, so a replay at 60× speed raises offline after 5 minutes of feed time', () => {
    const { read, engine, types, signals } = setup(`
rules:
  - id: offline
    title: Offline
    severity: warning
    match: { kinds: [water-pressure] }
    absentFor: 5m
    clearFor: 0`);
    // platform time runs 60 times slower than the feed: one feed minute per platform second
    const platform = (feedMs: number) => T0 + feedMs / 60;
    for (let t = 0; t <= 8 * M; t += 10 * S) {
      for (const id of ['wp-1', 'wp-2', 'wp-3']) if (id !== 'wp-1' || t < M) read(id, 'water-pressure', T0 + t, { pressure: 4 }, platform(t));
      engine.sweep(platform(t));
    }
    expect(types()).toEqual(['raised:offline:wp-1@350s']);
    expect(signals[0]!.raisedAt! - T0).toBeLessThan(10 * S); // within 10 s of platform time
  });

  it('keeps durations for a device whose clock runs 4 minutes ahead, without raising it offline', () => {
    const { read, engine, types } = setup(`
rules:
  - id: offline
    title: Offline
    severity: warning
    match: { kinds: [water-pressure] }
    absentFor: 5m
    clearFor: 0
  - id: low
    title: Low
    severity: major
    match: { kinds: [water-pressure] }
    when: { threshold: { metric: pressure, below: 2 } }
    for: 1m
    clearFor: 1m`);
    const skew = 4 * M;
    for (let t = 0; t <= 20 * M; t += 10 * S) {
      read('wp-ok', 'water-pressure', T0 + t, { pressure: 4 });
      read('wp-ok2', 'water-pressure', T0 + t, { pressure: 4 });
      read('wp-skewed', 'water-pressure', T0 + t + skew, { pressure: t >= 5 * M && t < 10 * M ? 1.5 : 4 }, T0 + t);
      engine.sweep(T0 + t);
    }
    expect(types()).toEqual(['raised:low:wp-skewed@540s', 'cleared:low:wp-skewed@840s']);
  });
});

describe('heating season', () => {
  it('raises no heating failure in July when the network carries hot water only or is off, and one incident for a failure in January', async () => {
    const july = setup(await loadRules(BUILTIN_RULES));
    const J = Date.UTC(2026, 6, 15);
    for (let t = 0; t < 6 * 60 * M; t += 10 * S) {
      july.read('hs-1', 'heat-substation', J + t, { supplyTemp: 25, returnTemp: 22, flow: 3, outdoorTemp: 24 });
      july.engine.sweep(J + t);
    }
    expect(july.types()).toEqual([]);
    const jan = setup(await loadRules(BUILTIN_RULES));
    for (let t = 0; t < 60 * M; t += 10 * S) {
      jan.read('hs-1', 'heat-substation', T0 + t, { supplyTemp: t < 10 * M ? 95 : 38, returnTemp: 40, flow: 20, outdoorTemp: -15 });
      jan.engine.sweep(T0 + t);
    }
    // one incident per failure: the underheating of the same substation is its consequence
    expect(jan.signals.filter((s) => s.type === 'raised').map((s) => s.ruleId)).toEqual(['heating-failure']);
    expect(jan.engine.stats().inhibited).toBe(1);
  });

  it('raises no underheating for a substation that follows the chart late, a degree or two under it', async () => {
    const { read, engine, types } = setup(await loadRules(BUILTIN_RULES));
    // a thaw: outdoor rises from −20 to −8 °C over two hours; the supply follows the chart 90 minutes late
    const { heatingSchedule } = await import('../../../devices/index.ts');
    const outdoor = (t: number) => Math.min(-8, -20 + (12 * t) / (120 * M));
    for (let t = 0; t < 5 * 60 * M; t += 10 * S) {
      const supply = heatingSchedule(outdoor(Math.max(0, t - 90 * M))).supply - 2;
      read('hs-1', 'heat-substation', T0 + t, { supplyTemp: supply, returnTemp: 50, flow: 40, outdoorTemp: outdoor(t) });
      engine.sweep(T0 + t);
    }
    expect(types()).toEqual([]);
  });
});

describe('inhibition', () => {
  it('folds the low-pressure points of a district with an open main break into that incident', async () => {
    const { read, engine, signals } = setup(await loadRules(BUILTIN_RULES));
    for (let t = 0; t < 20 * M; t += 10 * S) {
      for (const id of ['wp-1', 'wp-2', 'wp-3']) {
        const broken = t >= 5 * M;
        read(id, 'water-pressure', T0 + t, { pressure: broken ? 1.2 : 4.2, flow: broken ? 260 : 100 });
      }
      engine.sweep(T0 + t);
    }
    const raised = signals.filter((s) => s.type === 'raised');
    expect(raised.map((s) => s.ruleId)).toEqual(['water-main-break']);
    expect(engine.stats().inhibited).toBe(3);
  });
});

describe('one incident for a district gone silent', () => {
  it('raises one district-silent incident listing the devices behind a gateway, not one offline incident each', async () => {
    const { read, engine, signals } = setup(await loadRules(BUILTIN_RULES));
    const gateway = ['wp-1', 'wp-2', 'sw-1', 'gp-1'];
    for (let t = 0; t < 30 * M; t += 10 * S) {
      for (const id of [...gateway, 'wp-9']) {
        const district = id === 'wp-9' ? 'new-town' : 'old-town';
        if (gateway.includes(id) && t >= 5 * M) continue; // the uplink is lost at 5 min
        const kind = id.startsWith('wp') ? 'water-pressure' : id.startsWith('sw') ? 'sewage-level' : 'gas-pressure';
        read(id, kind, T0 + t, kind === 'water-pressure' ? { pressure: 4, flow: 100 } : kind === 'sewage-level' ? { level: 40, flow: 50 } : { pressure: 2.5 }, T0 + t, district);
      }
      engine.sweep(T0 + t);
    }
    const raised = signals.filter((s) => s.type === 'raised');
    expect(raised.map((s) => s.ruleId)).toEqual(['district-silent']);
    // the fourth device, silent a few seconds later, is folded into the same incident
    expect(signals.at(-1)!.devices.sort()).toEqual([...gateway].sort());
    expect(raised[0]!.asset).toBe('old-town');
  });

  it('raises only the power outage when a feeder drops and the devices it powers fall silent', async () => {
    const { read, engine, signals } = setup(await loadRules(BUILTIN_RULES));
    const powered = ['tc-1', 'tc-2', 'cam-1', 'cam-2'];
    for (let t = 0; t < 30 * M; t += 10 * S) {
      const out = t >= 5 * M;
      read('pf-1', 'power-feeder', T0 + t, { voltage: out ? 0 : 229, load: out ? 0 : 50 });
      read('wp-9', 'water-pressure', T0 + t, { pressure: 4, flow: 100 }, T0 + t, 'new-town');
      if (!out) {
        for (const id of powered) {
          if (id.startsWith('tc')) read(id, 'traffic-counter', T0 + t, { vehiclesPerMin: 10, meanSpeed: 40, signal: 1 });
          else read(id, 'emergency-camera', T0 + t, { online: 1, smoke: 0, fire: 0, crowd: 0, personDown: 0 });
        }
      }
      engine.sweep(T0 + t);
    }
    expect(signals.filter((s) => s.type === 'raised').map((s) => s.ruleId)).toEqual(['power-outage']);
    // the outage's incident lists what it took down: the feeder, then its silent devices
    const last = signals.filter((s) => s.ruleId === 'power-outage').at(-1)!;
    expect(last.type).toBe('repeated');
    expect(last.devices).toEqual(['pf-1', ...powered]);
    expect(last.asset).toBe('pf-1');
  });
});

describe('a feeder silent with the devices it powers', () => {
  it('raises one critical power outage listing them, within a minute, and no silent-district or offline incidents', async () => {
    const { read, engine, signals } = setup(await loadRules(BUILTIN_RULES));
    const powered = ['tc-1', 'tc-2', 'cq-1', 'cam-1'];
    for (let t = 0; t < 30 * M; t += 10 * S) {
      const out = t >= 5 * M && t < 20 * M;
      read('wp-9', 'water-pressure', T0 + t, { pressure: 4, flow: 100 });
      if (!out) {
        read('pf-1', 'power-feeder', T0 + t, { voltage: 229, load: 50 });
        for (const id of powered) {
          if (id.startsWith('tc')) read(id, 'traffic-counter', T0 + t, { vehiclesPerMin: 10, meanSpeed: 40, signal: 1 });
          else if (id.startsWith('cq')) read(id, 'clinic-queue', T0 + t, { waiting: 3, meanWaitMin: 5, openWindows: 2 });
          else read(id, 'emergency-camera', T0 + t, { online: 1, smoke: 0, fire: 0, crowd: 0, personDown: 0 });
        }
      }
      engine.sweep(T0 + t);
    }
    const raised = signals.filter((s) => s.type === 'raised');
    expect(raised.map((s) => `${s.ruleId}:${s.severity}:${s.asset}`)).toEqual(['power-outage-silent:critical:old-town']);
    expect(raised[0]!.raisedAt! - (T0 + 5 * M)).toBeLessThanOrEqual(M);
    const last = signals.filter((s) => s.ruleId === 'power-outage-silent' && s.type !== 'cleared').at(-1)!;
    expect([...last.devices].sort()).toEqual(['pf-1', ...powered].sort());
    expect(signals.at(-1)!.type).toBe('cleared');
  });

  it('raises no power outage when mains-powered devices fall silent together while their feeder keeps reporting', async () => {
    const { read, engine, signals } = setup(await loadRules(BUILTIN_RULES));
    for (let t = 0; t < 20 * M; t += 10 * S) {
      read('pf-1', 'power-feeder', T0 + t, { voltage: 229, load: 50 });
      // three counters on one cellular cell lose it for two minutes
      for (const id of ['tc-1', 'tc-2', 'tc-3']) if (t < 5 * M || t >= 7 * M) read(id, 'traffic-counter', T0 + t, { vehiclesPerMin: 10, meanSpeed: 40, signal: 1 });
      engine.sweep(T0 + t);
    }
    expect(signals.filter((s) => s.type === 'raised').map((s) => s.ruleId)).toEqual([]);
  });
});

describe('a feeder silent in a small district', () => {
  // Aktau at half scale: two feeders, one traffic counter, one camera that reports on
  // change (a 2-min heartbeat), no clinic. Feeder pf-1's RTU runs off its line.
  async function run(silent: (id: string, t: number) => boolean) {
    const { read, engine, signals } = setup(await loadRules(BUILTIN_RULES));
    for (let t = 0; t < 30 * M; t += 10 * S) {
      const at = T0 + t;
      if (!silent('pf-1', t)) read('pf-1', 'power-feeder', at, { voltage: 229, load: 50 }, at, 'aktau');
      if (!silent('pf-2', t)) read('pf-2', 'power-feeder', at, { voltage: 229, load: 50 }, at, 'aktau');
      if (!silent('tc-1', t)) read('tc-1', 'traffic-counter', at, { vehiclesPerMin: 10, meanSpeed: 40, signal: 1 }, at, 'aktau');
      if (!silent('cam-1', t) && t % (2 * M) === 0) read('cam-1', 'emergency-camera', at, { online: 1, smoke: 0, fire: 0, crowd: 0, personDown: 0 }, at, 'aktau');
      engine.sweep(at);
    }
    return signals.filter((s) => s.type === 'raised');
  }
  const outage = (from: number, to: number) => (id: string, t: number) => id !== 'pf-2' && t >= from && t < to;

  it('raises the critical power outage within a minute when the feeder falls silent with the one traffic counter it powers', async () => {
    const raised = await run(outage(5 * M, 20 * M));
    expect(raised.map((s) => `${s.ruleId}:${s.severity}:${s.asset}`)).toEqual(['power-outage-silent:critical:aktau']);
    expect(raised[0]!.raisedAt! - (T0 + 5 * M)).toBeLessThanOrEqual(M);
    expect([...raised[0]!.devices].sort()).toEqual(['pf-1', 'tc-1']);
  });

  it('raises no outage when the feeder alone falls silent for two minutes (its RTU rebooting), nor when the counter alone does', async () => {
    for (const who of ['pf-1', 'tc-1']) {
      const raised = await run((id, t) => id === who && t >= 5 * M && t < 7 * M);
      expect(raised.map((s) => s.ruleId), who).toEqual([]);
    }
  });

  it('raises no outage when both feeders fall silent but the counter keeps reporting (the RTUs\' link, not the power)', async () => {
    const raised = await run((id, t) => id.startsWith('pf') && t >= 5 * M && t < 7 * M);
    expect(raised.map((s) => s.ruleId)).toEqual([]);
  });
});

describe('slow leaks', () => {
  const H = 60 * M;
  /** local midnight (UTC+5) of 15 January 2026 */
  const DAY0 = Date.UTC(2026, 0, 14, 19, 0);
  /** a district's inflow: legitimate use on the diurnal curve (low at night) plus background leakage */
  const inflow = (t: number, leak: number) => {
    const h = ((t - DAY0) / H) % 24;
    return 20 + 60 * Math.max(0, Math.sin((Math.PI * (h - 5)) / 18)) + leak;
  };
  const night = (ts: number) => `day ${Math.floor((ts - DAY0) / (24 * H))} ${String(Math.floor((((ts - DAY0) / H) % 24) * 60) / 60 | 0).padStart(2, '0')}h`;

  async function run(leakAt: (t: number) => number, days: number) {
    const { read, engine, signals } = setup(await loadRules(BUILTIN_RULES));
    for (let t = DAY0; t < DAY0 + days * 24 * H; t += 60 * S) {
      read('wp-ok', 'water-pressure', t, { pressure: 4.2, flow: inflow(t, 0) });
      read('wp-leak', 'water-pressure', t, { pressure: 4.2, flow: inflow(t, leakAt(t)) });
      engine.sweep(t);
    }
    return signals.filter((s) => s.ruleId === 'water-slow-leak').map((s) => `${s.type}:${s.asset}@${night(s.raisedAt!)}`);
  }

  it('raises once the minimum night flow (02:00–04:00 local) lies above the baseline two nights in a row, not on the diurnal demand', async () => {
    // an 8 m³/h leak from 10:00 on day 1: nights 2 and 3 show it; raised at 04:00 on day 3
    expect(await run((t) => (t >= DAY0 + 34 * H ? 8 : 0), 4)).toEqual(['raised:wp-leak@day 3 04h']);
  });

  it('raises nothing for one night of extra use, or a leak smaller than the baseline allows', async () => {
    // one night of 20 m³/h (a main break in the window, a filled pool), then normal
    expect(await run((t) => (t >= DAY0 + 26 * H && t < DAY0 + 29 * H ? 20 : 0), 4)).toEqual([]);
    // 1.5 m³/h: under both 10 % of the 20 m³/h night flow and the 3 m³/h floor
    expect(await run((t) => (t >= DAY0 + 10 * H ? 1.5 : 0), 4)).toEqual([]);
  });

  it('clears after the first normal night once the leak is repaired', async () => {
    const leak = (t: number) => (t >= DAY0 + 10 * H && t < DAY0 + 60 * H ? 8 : 0);
    expect(await run(leak, 4)).toEqual(['raised:wp-leak@day 2 04h', 'cleared:wp-leak@day 3 04h']);
  });

  it('compares a pressure with the same hour yesterday (dailyDrop), and not on the daily demand pattern', () => {
    const { read, engine, types } = setup(`
rules:
  - id: pressure-trend
    title: Pressure below the same hour yesterday
    severity: major
    match: { kinds: [water-pressure] }
    when: { dailyDrop: { metric: pressure, by: 0.4, over: 1h } }
    for: 30m`);
    // a daily pattern of ±0.8 bar; from hour 30 one point loses 0.2 bar an hour
    const pattern = (t: number) => 4.2 - 0.8 * Math.sin((2 * Math.PI * t) / (24 * 60 * M));
    for (let t = 0; t < 40 * 60 * M; t += 60 * S) {
      read('wp-ok', 'water-pressure', T0 + t, { pressure: pattern(t), flow: 100 });
      const leak = t > 30 * 60 * M ? (0.2 * (t - 30 * 60 * M)) / (60 * M) : 0;
      read('wp-leak', 'water-pressure', T0 + t, { pressure: pattern(t) - leak, flow: 100 + 20 * leak });
      engine.sweep(T0 + t);
    }
    const raised = types().filter((x) => x.startsWith('raised'));
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatch(/^raised:pressure-trend:wp-leak@/);
  });
});
