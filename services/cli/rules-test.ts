// `qala rules test`: runs a simulated town at full speed through the same ingest
// classification and rules engine the platform uses, on the simulated clock, and
// scores every rule against the simulator's ground-truth faults.
import { DeviceRegistry } from '../../devices/index.ts';
import { readFeedFile } from '../../simulator/feed-file.ts';
import { FAULT_KINDS, observableFrom } from '../../simulator/fault-kinds.ts';
import type { HardCase } from '../../simulator/field.ts';
import { Feed, type FaultRecord, type SimMessage } from '../../simulator/feed.ts';
import { loadScenario, type Scenario } from '../../simulator/scenario.ts';
import { classify } from '../ingest/classify.ts';
import { RulesEngine, type RuleSignal } from '../rules/engine.ts';
import { loadRules } from '../rules/loader.ts';
import { scoreFaultKinds, scoreHardNegatives, scoreRules, type FaultKindScore, type HardNegativeScore, type RuleScore } from '../rules/score.ts';
import type { Rule } from '../rules/schema.ts';
import { townContext } from '../rules/town.ts';
import type { Progress } from './progress.ts';

export interface RulesTestOptions {
  rulesFile: string;
  /** a recorded feed to test against instead of simulating (ground truth from its sim/faults lines) */
  feedFile?: string;
  /** a scenario name or file, or a scenario already loaded */
  scenario: string | Scenario;
  seed: number;
  start: number;
  durationMs: number;
  intervalMs: number;
  scale: number;
  faultRate: number;
  /** multiplies the field's hard cases (simulator/field.ts); 0 for a clean feed */
  hardCases: number;
  /** simulated time before `start` that runs without faults, so rules that compare with yesterday have a yesterday */
  warmupMs?: number;
  /**
   * the last part of the run, in which no random fault begins: a fault that needs an
   * hour to show (a classroom cooling below 18 °C, a lift out of service for an hour)
   * begun in the run's last minutes is not missed by any rule, it is cut off by the run
   */
  cooldownMs?: number;
  progress?: Progress;
}

export interface RulesTestResult {
  rules: Rule[];
  scores: RuleScore[];
  byFault: FaultKindScore[];
  hardNegatives: HardNegativeScore[];
  /** raised incidents that no injected fault explains */
  unexplained: RuleSignal[];
  faults: FaultRecord[];
  hardCases: HardCase[];
  raised: RuleSignal[];
  readings: number;
  rejected: number;
  wallMs: number;
  /** a simulated run: the random faults of each kind its size, fault rate and season should draw on average (Feed.expectedFaults) */
  expected?: Map<string, number>;
}

/** the platform's default `rulesSweepMs`: absence is seen as soon as it would be live */
const SWEEP_MS = 1_000;

/** A recorded feed, with the simulator's ground truth where the recording has it. */
function recordedFeed(path: string): { messages(): Generator<SimMessage>; faults: FaultRecord[]; hardCases: HardCase[]; stats: { faults: number } } {
  const faults: FaultRecord[] = [];
  const hardCases: HardCase[] = [];
  return {
    faults,
    hardCases,
    stats: { faults: 0 },
    *messages() {
      for (const m of readFeedFile(path)) {
        if (m.type === 'fault' && m.topic.endsWith('/sim/faults')) {
          const f = JSON.parse(m.payload) as FaultRecord & HardCase & { event?: string };
          if (f.event === 'started') {
            faults.push(f);
            this.stats.faults++;
          } else if (f.event === 'hard-case') {
            const { event: _, ...c } = f;
            hardCases.push(c);
          }
        }
        yield m;
      }
    },
  };
}

export async function runRulesTest(o: RulesTestOptions): Promise<RulesTestResult> {
  const t0 = Date.now();
  const rules = await loadRules(o.rulesFile);
  const scenario = typeof o.scenario === 'string' ? loadScenario(o.scenario) : o.scenario;
  const feed = o.feedFile
    ? recordedFeed(o.feedFile)
    : new Feed({ scenario, town: scenario.id, seed: o.seed, start: o.start - (o.warmupMs ?? 0), intervalMs: o.intervalMs, durationMs: o.durationMs + (o.warmupMs ?? 0), scale: o.scale, faultRate: o.faultRate, hardCases: o.hardCases, faultsFrom: o.start, faultsUntil: o.start + o.durationMs - (o.cooldownMs ?? 0) });
  const raised: RuleSignal[] = [];
  // raised signals are incidents; repeated ones fold a new fault into an open incident
  const engine = new RulesEngine({
    onSignal: (s) => s.type !== 'cleared' && raised.push(s),
    // a simulated town: the simulator runs the scenario's climate (Karaganda's without one)
    town: townContext(scenario, { simulated: true }),
  });
  engine.setRules(rules);
  const registry = new DeviceRegistry();
  let readings = 0;
  let rejected = 0;
  let nextSweep = Number.NaN;
  let first = Number.NaN;
  let last = 0;
  let n = 0;
  for (const m of feed.messages()) {
    if (Number.isNaN(nextSweep)) {
      first = m.at;
      nextSweep = m.at + SWEEP_MS;
    }
    last = m.at;
    while (m.at >= nextSweep) {
      engine.sweep(nextSweep);
      nextSweep += SWEEP_MS;
    }
    if (m.type !== 'telemetry') continue;
    const c = classify(m.topic, Buffer.from(m.payload), { town: m.topic.split('/')[1] ?? scenario.id, registry, maxPayloadBytes: 64 * 1024, receivedAt: m.at });
    if (c.type === 'readings') {
      for (const r of c.readings) {
        readings++;
        engine.handle(r);
      }
    } else if (c.type === 'rejected') rejected++;
    if (++n % 20_000 === 0) {
      o.progress?.update({
        fraction: o.feedFile ? undefined : (m.at - first) / (o.durationMs + (o.warmupMs ?? 0)),
        text: `${new Date(m.at).toISOString().slice(0, 16)}Z sim · ${readings.toLocaleString('en')} readings · ${feed.stats.faults} faults · ${raised.filter((s) => s.type === 'raised').length} incidents`,
      });
      // let the event loop breathe (signals, progress output) during long runs
      await new Promise((r) => setImmediate(r));
    }
  }
  engine.sweep(o.feedFile ? last + SWEEP_MS : o.start + o.durationMs);
  // incidents of the warm-up are not scored: nothing was injected then
  const scored = o.feedFile ? raised : raised.filter((s) => (s.raisedAt ?? s.at) >= o.start);
  raised.splice(0, raised.length, ...scored);
  o.progress?.done();
  raised.sort((a, b) => a.at - b.at);
  const hard = scoreHardNegatives(rules, raised, feed.faults, feed.hardCases);
  // a fault no rule could see before the run ended (a slow leak before its nights) is pending, not missed
  const runEnd = o.feedFile ? last : o.start + o.durationMs;
  const pending = (f: FaultRecord) => observableFrom(f.kind, f.start, scenario.utcOffsetMinutes) > Math.min(f.end, runEnd);
  return {
    rules,
    scores: scoreRules(rules, raised, feed.faults, { pending }),
    byFault: scoreFaultKinds(rules, raised, feed.faults, feed.hardCases, { pending }),
    hardNegatives: hard.classes,
    unexplained: hard.unexplained,
    faults: [...feed.faults],
    hardCases: [...feed.hardCases],
    raised,
    readings,
    rejected,
    wallMs: Date.now() - t0,
    ...(feed instanceof Feed ? { expected: new Map(Object.keys(FAULT_KINDS).map((k) => [k, feed.expectedFaults(k)])) } : {}),
  };
}
