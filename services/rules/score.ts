// Scores rules against the simulator's ground truth: which incidents match an
// injected fault (same devices or district, raised while it lasted), per rule
// precision, recall and time to detect.
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

/** An incident may lag its fault by this much past the fault's end (clear timers, sweeps). */
const GRACE_MS = 10 * 60_000;

export function matchesFault(s: RuleSignal, f: FaultRecord, rule: Rule): boolean {
  if (!rule.detects.includes(f.kind)) return false;
  if (s.at < f.start || s.at > f.end + GRACE_MS + rule.for) return false;
  const touched = new Set([...f.devices, ...f.silenced]);
  return s.devices.some((d) => touched.has(d)) || (rule.group !== undefined && s.asset === f.district);
}

/**
 * `signals` holds raised signals (each an incident) and repeated ones (a new
 * occurrence or member folded into an open incident, which detects a fault too).
 */
export function scoreRules(rules: readonly Rule[], signals: readonly RuleSignal[], faults: readonly FaultRecord[]): RuleScore[] {
  return rules.map((rule) => {
    const mine = signals.filter((s) => s.ruleId === rule.id);
    const incidents = mine.filter((s) => s.type === 'raised');
    const relevant = faults.filter((f) => rule.detects.includes(f.kind));
    const tp = incidents.filter((s) => relevant.some((f) => matchesFault(s, f, rule))).length;
    const ttd: number[] = [];
    for (const f of relevant) {
      const first = mine.filter((s) => matchesFault(s, f, rule)).sort((a, b) => a.at - b.at)[0];
      if (first) ttd.push((first.at - f.start) / 1000);
    }
    ttd.sort((a, b) => a - b);
    const judged = rule.detects.length > 0;
    return {
      ruleId: rule.id,
      detects: rule.detects,
      incidents: incidents.length,
      truePositives: tp,
      faults: relevant.length,
      detected: ttd.length,
      precision: judged && incidents.length > 0 ? tp / incidents.length : null,
      recall: judged && relevant.length > 0 ? ttd.length / relevant.length : null,
      ttdMedianS: ttd.length ? ttd[Math.floor((ttd.length - 1) / 2)]! : null,
      ttdMaxS: ttd.length ? ttd[ttd.length - 1]! : null,
    };
  });
}

export function formatScores(scores: readonly RuleScore[]): string {
  const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(0)}%`);
  const sec = (x: number | null) => (x === null ? '–' : x < 120 ? `${x.toFixed(0)} s` : `${(x / 60).toFixed(1)} min`);
  const rows = scores.map((s) => [s.ruleId, String(s.incidents), `${s.detected}/${s.faults}`, pct(s.precision), pct(s.recall), sec(s.ttdMedianS), sec(s.ttdMaxS)]);
  const head = ['rule', 'incidents', 'faults found', 'precision', 'recall', 'detect p50', 'detect max'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
