// Evaluates a condition tree against one device's recent readings. Tri-state, so
// hysteresis composes: 'raise' (the condition holds), 'clear' (it clearly does
// not), 'hold' (in between: keep the current state).
import { heatingSchedule } from '../../devices/index.ts';
import type { Condition } from './schema.ts';

export type Verdict = 'raise' | 'clear' | 'hold';

export interface DeviceHistory {
  /** latest value of every metric */
  latest: Record<string, number>;
  /** recent (ts, value) per metric, oldest first, kept for rate-of-change windows */
  recent: Map<string, { ts: number; v: number }[]>;
}

export function evaluate(c: Condition, h: DeviceHistory, now: number): Verdict {
  if ('threshold' in c) {
    const t = c.threshold;
    const v = h.latest[t.metric];
    if (v === undefined) return 'hold';
    if (t.above !== undefined) return v > t.above ? 'raise' : v <= (t.clear ?? t.above) ? 'clear' : 'hold';
    return v < t.below! ? 'raise' : v >= (t.clear ?? t.below!) ? 'clear' : 'hold';
  }
  if ('rateOfChange' in c) {
    const r = c.rateOfChange;
    const points = h.recent.get(r.metric);
    const last = points?.[points.length - 1];
    if (!points || !last) return 'hold';
    let hit = false;
    for (const p of points) {
      if (p.ts < now - r.within) continue;
      const delta = last.v - p.v;
      const pct = p.v !== 0 ? (delta / Math.abs(p.v)) * 100 : 0;
      if ((r.drop !== undefined && -delta >= r.drop) || (r.rise !== undefined && delta >= r.rise) || (r.dropPct !== undefined && -pct >= r.dropPct) || (r.risePct !== undefined && pct >= r.risePct)) {
        hit = true;
        break;
      }
    }
    return hit ? 'raise' : 'clear';
  }
  if ('belowSchedule' in c) {
    const s = c.belowSchedule;
    const v = h.latest[s.metric];
    const outdoor = h.latest[s.outdoorMetric];
    if (v === undefined || outdoor === undefined) return 'hold';
    const expected = heatingSchedule(outdoor).supply;
    if (v < expected - s.below) return 'raise';
    return v >= expected - (s.clear ?? s.below) ? 'clear' : 'hold';
  }
  if ('all' in c) {
    const vs = c.all.map((x) => evaluate(x, h, now));
    return vs.every((v) => v === 'raise') ? 'raise' : vs.some((v) => v === 'clear') ? 'clear' : 'hold';
  }
  const vs = c.any.map((x) => evaluate(x, h, now));
  return vs.some((v) => v === 'raise') ? 'raise' : vs.every((v) => v === 'clear') ? 'clear' : 'hold';
}

/** The longest rate-of-change window in a tree: how much history a device must keep. */
export function historyNeeded(c: Condition | undefined): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (x: Condition | undefined) => {
    if (!x) return;
    if ('rateOfChange' in x) out.set(x.rateOfChange.metric, Math.max(out.get(x.rateOfChange.metric) ?? 0, x.rateOfChange.within));
    else if ('all' in x) x.all.forEach(walk);
    else if ('any' in x) x.any.forEach(walk);
  };
  walk(c);
  return out;
}
