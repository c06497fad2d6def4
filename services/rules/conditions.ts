// Evaluates a condition tree against one device's recent readings. Tri-state, so
// hysteresis composes: 'raise' (the condition holds), 'clear' (it clearly does
// not), 'hold' (in between: keep the current state). `now` is device time: the
// reading's own timestamp, or the device's clock at a sweep.
import { DEFAULT_HEATING_CHART, heatingSchedule } from '../../devices/index.ts';
import type { Condition } from './schema.ts';

export type Verdict = 'raise' | 'clear' | 'hold';

export interface DeviceHistory {
  /** latest value of every metric */
  latest: Record<string, number>;
  /** device time of the latest value of every metric */
  latestTs: Record<string, number>;
  /** recent (ts, value) per metric, oldest first, kept for rate-of-change windows */
  recent: Map<string, { ts: number; v: number }[]>;
  /** per metric, a monotonic deque (values decreasing) for the running maximum over a window */
  maxima: Map<string, { ts: number; v: number }[]>;
  /** per metric, 5-minute sums over the last 25 hours (bucket index → sum and count), for daily comparisons */
  daily: Map<string, Map<number, { s: number; n: number }>>;
}

export const DAILY_BUCKET_MS = 300_000;
const DAY_MS = 86_400_000;

function meanOver(buckets: Map<number, { s: number; n: number }>, from: number, to: number): number | undefined {
  let s = 0;
  let n = 0;
  for (let b = Math.floor(from / DAILY_BUCKET_MS); b < Math.floor(to / DAILY_BUCKET_MS); b++) {
    const x = buckets.get(b);
    if (x) {
      s += x.s;
      n += x.n;
    }
  }
  return n > 0 ? s / n : undefined;
}

export function evaluate(c: Condition, h: DeviceHistory, now: number): Verdict {
  if ('threshold' in c) {
    const t = c.threshold;
    const v = h.latest[t.metric];
    if (v === undefined) return 'hold';
    // an event-like metric (a detection, a signal state) means nothing once it is older than its hold time
    if (t.hold !== undefined && now - (h.latestTs[t.metric] ?? now) > t.hold) return 'clear';
    if (t.above !== undefined) return v > t.above ? 'raise' : v <= (t.clear ?? t.above) ? 'clear' : 'hold';
    return v < t.below! ? 'raise' : v >= (t.clear ?? t.below!) ? 'clear' : 'hold';
  }
  if ('rateOfChange' in c) {
    const r = c.rateOfChange;
    const points = h.recent.get(r.metric);
    if (!points || points.length === 0) return 'hold';
    // the latest point at or before `now`: a late reading placed in the window is compared with what came before it
    let li = points.length - 1;
    while (li > 0 && points[li]!.ts > now) li--;
    const last = points[li]!;
    for (let i = 0; i < li; i++) {
      const p = points[i]!;
      if (p.ts < now - r.within) continue;
      const delta = last.v - p.v;
      const pct = p.v !== 0 ? (delta / Math.abs(p.v)) * 100 : 0;
      if ((r.drop !== undefined && -delta >= r.drop) || (r.rise !== undefined && delta >= r.rise) || (r.dropPct !== undefined && -pct >= r.dropPct) || (r.risePct !== undefined && pct >= r.risePct)) return 'raise';
    }
    return 'clear';
  }
  if ('belowSchedule' in c) {
    const s = c.belowSchedule;
    const v = h.latest[s.metric];
    // the source regulates on the weather it saw up to `lag` ago: the chart is owed
    // no more than its value for the warmest outdoor temperature within the lag
    const outdoor = h.maxima.get(s.outdoorMetric)?.[0]?.v ?? h.latest[s.outdoorMetric];
    if (v === undefined || outdoor === undefined) return 'hold';
    const expected = heatingSchedule(outdoor, { ...DEFAULT_HEATING_CHART, designOutdoor: s.designOutdoor }).supply;
    if (v < expected - s.below) return 'raise';
    return v >= expected - (s.clear ?? s.below) ? 'clear' : 'hold';
  }
  if ('dailyDrop' in c) {
    const d = c.dailyDrop;
    const buckets = h.daily.get(d.metric);
    if (!buckets) return 'hold';
    // whole buckets only: the current one is still filling
    const end = Math.floor(now / DAILY_BUCKET_MS) * DAILY_BUCKET_MS;
    const cur = meanOver(buckets, end - d.over, end);
    const prev = meanOver(buckets, end - d.over - DAY_MS, end - DAY_MS);
    if (cur === undefined || prev === undefined) return 'hold';
    return prev - cur >= d.by ? 'raise' : prev - cur < d.by / 2 ? 'clear' : 'hold';
  }
  if ('all' in c) {
    const vs = c.all.map((x) => evaluate(x, h, now));
    return vs.every((v) => v === 'raise') ? 'raise' : vs.some((v) => v === 'clear') ? 'clear' : 'hold';
  }
  const vs = c.any.map((x) => evaluate(x, h, now));
  return vs.some((v) => v === 'raise') ? 'raise' : vs.every((v) => v === 'clear') ? 'clear' : 'hold';
}

function walk(c: Condition | undefined, visit: (x: Condition) => void): void {
  if (!c) return;
  visit(c);
  if ('all' in c) c.all.forEach((x) => walk(x, visit));
  else if ('any' in c) c.any.forEach((x) => walk(x, visit));
}

/** The longest rate-of-change window in a tree: how much history a device must keep. */
export function historyNeeded(c: Condition | undefined): Map<string, number> {
  const out = new Map<string, number>();
  walk(c, (x) => {
    if ('rateOfChange' in x) out.set(x.rateOfChange.metric, Math.max(out.get(x.rateOfChange.metric) ?? 0, x.rateOfChange.within));
  });
  return out;
}

/** The running maxima a tree needs (the schedule's lag on the outdoor temperature). */
export function maximaNeeded(c: Condition | undefined): Map<string, number> {
  const out = new Map<string, number>();
  walk(c, (x) => {
    if ('belowSchedule' in x) out.set(x.belowSchedule.outdoorMetric, Math.max(out.get(x.belowSchedule.outdoorMetric) ?? 0, x.belowSchedule.lag));
  });
  return out;
}

/** The metrics a tree compares with a day earlier. */
export function dailyNeeded(c: Condition | undefined): Set<string> {
  const out = new Set<string>();
  walk(c, (x) => {
    if ('dailyDrop' in x) out.add(x.dailyDrop.metric);
  });
  return out;
}

/** Whether any threshold in a tree expires (an event-like metric with a hold time). */
export function expires(c: Condition | undefined): boolean {
  let found = false;
  walk(c, (x) => {
    if ('threshold' in x && x.threshold.hold !== undefined) found = true;
  });
  return found;
}
