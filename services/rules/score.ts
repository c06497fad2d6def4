// Scores rules against the simulator's ground truth. Per rule and per fault kind:
// which incidents match an injected fault (same devices or district, raised while
// it lasted), precision, recall, time to detect — from the fault's start to the
// moment the incident was raised (`raisedAt`, platform time), not to its
// back-dated `at` — and incidents per fault. Per hard-negative class (the field's
// spikes, gaps, duplicates, back-fill, skew...): the incidents it caused.
import type { HardCase } from '../../simulator/field.ts';
import type { FaultRecord } from '../../simulator/feed.ts';
import type { RuleSignal } from './engine.ts';
import type { Rule } from './schema.ts';

export interface RuleScore {
  ruleId: string;
  detects: string[];
  incidents: number;
  truePositives: number;
  faults: number;
  detected: number;
  /** null where the rule has no ground truth to be judged against */
  precision: number | null;
  recall: number | null;
  ttdMedianS: number | null;
  ttdMaxS: number | null;
}

export interface FaultKindScore {
  kind: string;
  injected: number;
  detected: number;
  /** incidents raised by the rules that target this kind */
  incidents: number;
  truePositives: number;
  precision: number | null;
  recall: number | null;
  ttdMedianS: number | null;
  ttdMaxS: number | null;
  /**
   * incidents (of any rule) that a detected fault caused for its own utility, on average:
   * the storm of symptoms its operator would see (one fault, one incident is the aim)
   */
  incidentsPerFault: number | null;
  /**
   * incidents a detected fault caused for other services, on average: a failed
   * substation's cold classrooms go to the education department, whose own work they
   * are (schools are told while the heat utility repairs), so they are no symptom storm
   * for the heat utility; shown apart, never dropped
   */
  elsewherePerFault: number | null;
  /** injected faults no rule could see yet when the run ended (a slow leak before its nights), left out of recall */
  pending: number;
}

export interface ScoreOptions {
  /** whether a fault could not be seen by the end of the run: undetected, it is pending, not missed */
  pending?: (f: FaultRecord) => boolean;
}

export interface HardNegativeScore {
  class: string;
  cases: number;
  falseIncidents: number;
}

/** An incident may lag its fault by this much past the fault's end (clear timers, sweeps). */
const GRACE_MS = 10 * 60_000;

const when = (s: RuleSignal) => s.raisedAt ?? s.at;

/** Whether an incident of any rule touches a fault: its devices, or its district for a group rule, while it lasted. */
function touches(s: RuleSignal, f: FaultRecord, rule: Rule | undefined): boolean {
  const t = when(s);
  if (t < f.start || t > f.end + GRACE_MS + (rule?.for ?? 0)) return false;
  const touched = new Set([...f.devices, ...f.silenced]);
  return s.devices.some((d) => touched.has(d)) || (rule?.group !== undefined && s.asset === f.district && rule.detects.includes(f.kind));
}

export function matchesFault(s: RuleSignal, f: FaultRecord, rule: Rule): boolean {
  return rule.detects.includes(f.kind) && touches(s, f, rule);
}

function ttdStats(ttd: number[]): { ttdMedianS: number | null; ttdMaxS: number | null } {
  ttd.sort((a, b) => a - b);
  return { ttdMedianS: ttd.length ? ttd[Math.floor((ttd.length - 1) / 2)]! : null, ttdMaxS: ttd.length ? ttd[ttd.length - 1]! : null };
}

/**
 * `signals` holds raised signals (each an incident) and repeated ones (a new
 * occurrence or member folded into an open incident, which detects a fault too).
 */
export function scoreRules(rules: readonly Rule[], signals: readonly RuleSignal[], faults: readonly FaultRecord[], o: ScoreOptions = {}): RuleScore[] {
  return rules.map((rule) => {
    const mine = signals.filter((s) => s.ruleId === rule.id);
    const incidents = mine.filter((s) => s.type === 'raised');
    const relevant = faults.filter((f) => rule.detects.includes(f.kind));
    const tp = incidents.filter((s) => relevant.some((f) => matchesFault(s, f, rule))).length;
    const ttd: number[] = [];
    for (const f of relevant) {
      const first = mine.filter((s) => matchesFault(s, f, rule)).sort((a, b) => when(a) - when(b))[0];
      if (first) ttd.push((when(first) - f.start) / 1000);
    }
    const judged = rule.detects.length > 0;
    const pending = relevant.filter((f) => o.pending?.(f) && !mine.some((s) => matchesFault(s, f, rule))).length;
    const seeable = relevant.length - pending;
    return {
      ruleId: rule.id,
      detects: rule.detects,
      incidents: incidents.length,
      truePositives: tp,
      faults: seeable,
      detected: ttd.length,
      precision: judged && incidents.length > 0 ? tp / incidents.length : null,
      recall: judged && seeable > 0 ? ttd.length / seeable : null,
      ...ttdStats(ttd),
    };
  });
}

/** Whether a hard case there makes the incident right (a gateway that is really offline). */
export function excused(s: RuleSignal, cases: readonly HardCase[]): boolean {
  const t = when(s);
  return cases.some((c) => c.allows.includes(s.ruleId) && t >= c.start && t <= c.end + GRACE_MS && s.devices.some((d) => c.devices.includes(d)));
}

/**
 * Per fault kind, over every rule that targets it: what an operator of that
 * network sees. Incidents that a hard case makes right (see `allows`) are left out.
 */
export function scoreFaultKinds(rules: readonly Rule[], signals: readonly RuleSignal[], faults: readonly FaultRecord[], cases: readonly HardCase[] = [], o: ScoreOptions = {}): FaultKindScore[] {
  const allowing = cases.filter((c) => c.allows.length > 0);
  const byId = new Map(rules.map((r) => [r.id, r]));
  const kinds = [...new Set([...faults.map((f) => f.kind), ...rules.flatMap((r) => r.detects)])].sort();
  return kinds.map((kind) => {
    const targeting = rules.filter((r) => r.detects.includes(kind));
    const ids = new Set(targeting.map((r) => r.id));
    const injected = faults.filter((f) => f.kind === kind);
    const mine = signals.filter((s) => ids.has(s.ruleId));
    // a rule that detects several kinds (a classroom cools when its school's heating fails
    // and when its substation does) counts an incident for the kind whose fault it matches
    const elsewhere = (s: RuleSignal) => !injected.some((f) => matchesFault(s, f, byId.get(s.ruleId)!)) && faults.some((g) => g.kind !== kind && matchesFault(s, g, byId.get(s.ruleId)!));
    const incidents = mine.filter((s) => s.type === 'raised' && !(allowing.length && excused(s, allowing)) && !elsewhere(s));
    const tp = incidents.filter((s) => injected.some((f) => matchesFault(s, f, byId.get(s.ruleId)!))).length;
    const ttd: number[] = [];
    const perFault: number[] = [];
    const elsewherePerFault: number[] = [];
    let pending = 0;
    for (const f of injected) {
      const hits = mine.filter((s) => matchesFault(s, f, byId.get(s.ruleId)!)).sort((a, b) => when(a) - when(b));
      if (!hits[0]) {
        if (o.pending?.(f)) pending++;
        continue;
      }
      ttd.push((when(hits[0]) - f.start) / 1000);
      // incidents this fault caused: those touching it, less those that are another
      // fault's own detection (a camera that failed on its own during a feeder outage)
      const own = (s: RuleSignal) => {
        const rule = byId.get(s.ruleId);
        return matchesFault(s, f, rule!) || !faults.some((g) => g !== f && rule && matchesFault(s, g, rule));
      };
      const caused = signals.filter((s) => s.type === 'raised' && touches(s, f, byId.get(s.ruleId)) && own(s));
      const mineToo = caused.filter((s) => s.utility === f.utility).length;
      perFault.push(mineToo);
      elsewherePerFault.push(caused.length - mineToo);
    }
    const seeable = injected.length - pending;
    return {
      kind,
      injected: injected.length,
      detected: ttd.length,
      incidents: incidents.length,
      truePositives: tp,
      precision: targeting.length && incidents.length ? tp / incidents.length : null,
      recall: targeting.length && seeable > 0 ? ttd.length / seeable : null,
      ...ttdStats(ttd),
      incidentsPerFault: mean(perFault),
      elsewherePerFault: mean(elsewherePerFault),
      pending,
    };
  });
}

/**
 * False incidents per hard-negative class: raised incidents of rules with ground
 * truth (`detects`) that no fault explains and that touch a device of a hard case
 * while it lasted (plus the grace), unless a case there allows the rule (a gateway
 * that is really offline for hours). Rules without ground truth (congestion, air
 * quality, queues) report real conditions of the model and are not judged.
 */
export function scoreHardNegatives(rules: readonly Rule[], signals: readonly RuleSignal[], faults: readonly FaultRecord[], cases: readonly HardCase[]): { classes: HardNegativeScore[]; unexplained: RuleSignal[] } {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const unexplained = signals.filter((s) => s.type === 'raised' && (byId.get(s.ruleId)?.detects.length ?? 0) > 0 && !faults.some((f) => touches(s, f, byId.get(s.ruleId))));
  const counts = new Map<string, { cases: number; falseIncidents: number }>();
  for (const c of cases) {
    const e = counts.get(c.class) ?? { cases: 0, falseIncidents: 0 };
    e.cases++;
    counts.set(c.class, e);
  }
  const byDevice = new Map<string, HardCase[]>();
  for (const c of cases) for (const d of c.devices) byDevice.set(d, [...(byDevice.get(d) ?? []), c]);
  for (const s of unexplained) {
    const t = when(s);
    const covering = s.devices.flatMap((d) => (byDevice.get(d) ?? []).filter((c) => t >= c.start && t <= c.end + GRACE_MS));
    if (covering.some((c) => c.allows.includes(s.ruleId))) continue;
    for (const cls of new Set(covering.map((c) => c.class))) counts.get(cls)!.falseIncidents++;
  }
  return { classes: [...counts].map(([cls, v]) => ({ class: cls, ...v })).sort((a, b) => a.class.localeCompare(b.class)), unexplained };
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(0)}%`);
const sec = (x: number | null) => (x === null ? '–' : x < 120 ? `${x.toFixed(0)} s` : x < 7200 ? `${(x / 60).toFixed(1)} min` : `${(x / 3600).toFixed(1)} h`);

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatScores(scores: readonly RuleScore[]): string {
  const rows = scores.map((s) => [s.ruleId, String(s.incidents), `${s.detected}/${s.faults}`, pct(s.precision), pct(s.recall), sec(s.ttdMedianS), sec(s.ttdMaxS)]);
  return table(['rule', 'incidents', 'faults found', 'precision', 'recall', 'detect p50', 'detect max'], rows);
}

/**
 * The per-kind table. With `expected` (a simulated run: the faults its size, rate and
 * season should draw on average), an `expected` column, and a line for every kind the
 * rules target that drew none though some were expected: its recall is not measured,
 * which a blank row would hide.
 */
export function formatFaultKinds(scores: readonly FaultKindScore[], expected?: ReadonlyMap<string, number>): string {
  const per = (x: number | null) => (x === null ? '–' : x.toFixed(2));
  const exp = (kind: string) => {
    const e = expected?.get(kind);
    return e === undefined || Number.isNaN(e) ? '–' : e.toFixed(1);
  };
  const rows = scores.map((s) => [s.kind, s.pending ? `${s.injected} (${s.pending} pending)` : String(s.injected), ...(expected ? [exp(s.kind)] : []), String(s.detected), pct(s.precision), pct(s.recall), sec(s.ttdMedianS), sec(s.ttdMaxS), per(s.incidentsPerFault), per(s.elsewherePerFault)]);
  const out = table(['fault kind', 'injected', ...(expected ? ['expected'] : []), 'detected', 'precision', 'recall', 'detect p50', 'detect max', 'incidents/fault', 'to other services'], rows);
  const unmeasured = scores.filter((s) => s.injected === 0 && s.recall === null && (expected?.get(s.kind) ?? 0) > 0);
  return unmeasured.length === 0
    ? out
    : `${out}\n${unmeasured.map((s) => `${s.kind}: none drawn (about ${exp(s.kind)} expected), so its recall and time to detect are not measured by this run: lengthen it or raise --fault-rate`).join('\n')}`;
}

export function formatHardNegatives(scores: readonly HardNegativeScore[]): string {
  return table(['hard-negative class', 'cases', 'false incidents'], scores.map((s) => [s.class, String(s.cases), String(s.falseIncidents)]));
}
