// Evaluates a condition tree against one device's recent readings. Tri-state, so
// hysteresis composes: 'raise' (the condition holds), 'clear' (it clearly does
// not), 'hold' (in between: keep the current state). `now` is device time: the
// reading's own timestamp, or the device's clock at a sweep.
import { chartFor, heatingSchedule } from '../../devices/index.ts';
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
  /** per metric, the night windows seen (minimum night flow) */
  nights: Map<string, NightHistory>;
}

/** The town an engine serves: its climate and local time. */
export interface TownContext {
  /** the heating chart's design outdoor temperature, °C */
  designOutdoorC: number;
  /** local time: Kazakhstan has kept one zone, UTC+5, since 1 March 2024 */
  utcOffsetMinutes: number;
}

export const DEFAULT_TOWN: Readonly<TownContext> = Object.freeze({ designOutdoorC: -32, utcOffsetMinutes: 300 });

const NIGHT_BUCKET_MS = 900_000;
/** a 15-minute mean counts with this many readings in it (a tenth of a 10-second device's) */
const NIGHT_BUCKET_MIN = 9;
/** closed nights kept per device and metric: the longest baseline and run of nights allowed */
const NIGHTS_KEPT = 35;

/**
 * One metric's night windows: the open one's 15-minute sums, and the minimum
 * (of 15-minute means) of each closed night, oldest first. `version` counts closed
 * nights, so a verdict is worked out once a night, not once a reading.
 */
export interface NightHistory {
  from: number;
  to: number;
  /** local day of the open window, NaN when none is open */
  open: number;
  sums: Float64Array;
  counts: Uint16Array;
  closed: number[];
  version: number;
  verdicts: Map<object, { version: number; verdict: Verdict }>;
}

export function newNightHistory(fromHour: number, toHour: number): NightHistory {
  const buckets = ((toHour - fromHour) * 3_600_000) / NIGHT_BUCKET_MS;
  return { from: fromHour, to: toHour, open: Number.NaN, sums: new Float64Array(buckets), counts: new Uint16Array(buckets), closed: [], version: 0, verdicts: new Map() };
}

function closeNight(n: NightHistory): void {
  let min = Infinity;
  let valid = 0;
  for (let i = 0; i < n.sums.length; i++) {
    if (n.counts[i]! >= NIGHT_BUCKET_MIN) {
      valid++;
      min = Math.min(min, n.sums[i]! / n.counts[i]!);
    }
  }
  // a night with most of its window missing (a gateway out, readings back-filled late) says nothing
  if (valid * 2 >= n.sums.length) {
    n.closed.push(min);
    if (n.closed.length > NIGHTS_KEPT) n.closed.shift();
    n.version++;
  }
  n.open = Number.NaN;
  n.sums.fill(0);
  n.counts.fill(0);
}

/** Feeds one in-order value at device time `ts`; `local` is `ts` in local time. */
export function observeNight(n: NightHistory, local: number, v: number): void {
  const day = Math.floor(local / 86_400_000);
  const ms = local - day * 86_400_000;
  const inWindow = ms >= n.from * 3_600_000 && ms < n.to * 3_600_000;
  if (!Number.isNaN(n.open) && (day !== n.open || !inWindow)) closeNight(n);
  if (!inWindow) return;
  n.open = day;
  const b = Math.floor((ms - n.from * 3_600_000) / NIGHT_BUCKET_MS);
  n.sums[b]! += v;
  n.counts[b]!++;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Night by night, oldest first: a night above the median of the earlier normal ones is abnormal and stays out of the baseline. */
function nightVerdict(c: NightFlowCondition, nights: readonly number[]): Verdict {
  const normal: number[] = [];
  let run = 0;
  let last: boolean | undefined;
  for (const mnf of nights) {
    if (normal.length === 0) {
      normal.push(mnf);
      continue;
    }
    const base = median(normal.slice(-c.baseline));
    last = mnf - base >= Math.max(c.rise, (base * c.risePct) / 100);
    if (last) run++;
    else {
      run = 0;
      normal.push(mnf);
    }
  }
  if (last === undefined) return 'hold';
  return run >= c.nights ? 'raise' : last ? 'hold' : 'clear';
}

type NightFlowCondition = Extract<Condition, { nightFlow: unknown }>['nightFlow'];

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

export function evaluate(c: Condition, h: DeviceHistory, now: number, town: Readonly<TownContext> = DEFAULT_TOWN): Verdict {
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
    const expected = heatingSchedule(outdoor, chartFor(s.designOutdoor ?? town.designOutdoorC)).supply;
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
  if ('nightFlow' in c) {
    const n = h.nights.get(c.nightFlow.metric);
    if (!n) return 'hold';
    const cached = n.verdicts.get(c);
    if (cached && cached.version === n.version) return cached.verdict;
    const verdict = nightVerdict(c.nightFlow, n.closed);
    n.verdicts.set(c, { version: n.version, verdict });
    return verdict;
  }
  if ('all' in c) {
    const vs = c.all.map((x) => evaluate(x, h, now, town));
    return vs.every((v) => v === 'raise') ? 'raise' : vs.some((v) => v === 'clear') ? 'clear' : 'hold';
  }
  const vs = c.any.map((x) => evaluate(x, h, now, town));
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

/** The night windows a tree watches, per metric (the first condition's window for a metric). */
export function nightsNeeded(c: Condition | undefined): Map<string, { from: number; to: number }> {
  const out = new Map<string, { from: number; to: number }>();
  walk(c, (x) => {
    if ('nightFlow' in x && !out.has(x.nightFlow.metric)) out.set(x.nightFlow.metric, { from: x.nightFlow.from, to: x.nightFlow.to });
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
