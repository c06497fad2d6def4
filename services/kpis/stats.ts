// Small numeric helpers of the indicators: overlap of intervals, percentiles.

export interface Period {
  from: number;
  to: number;
}

/** The arithmetic mean; undefined for no values. */
export const mean = (xs: readonly number[]): number | undefined => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);

/** ms of [start, end) that fall in [p.from, p.to). */
export const overlapMs = (start: number, end: number, p: Period): number => Math.max(0, Math.min(end, p.to) - Math.max(start, p.from));

/**
 * The q-quantile (0..1) of values by linear interpolation between closest ranks
 * (Hyndman & Fan 1996, definition 7: R's and NumPy's default, Excel's
 * PERCENTILE.INC): the median of an even count is the mean of the middle two.
 * undefined for no values.
 */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Equal sub-periods of a range for an indicator's trend, aligned to multiples of a round step from the epoch (as the store buckets). */
export function trendBuckets(p: Period, count: number): Period[] {
  const STEPS = [60_000, 300_000, 900_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000, 7 * 86_400_000, 30 * 86_400_000];
  const want = (p.to - p.from) / count;
  const step = STEPS.find((s) => s >= want) ?? Math.ceil(want / 86_400_000) * 86_400_000;
  const out: Period[] = [];
  for (let t = Math.floor(p.from / step) * step; t < p.to; t += step) out.push({ from: Math.max(t, p.from), to: Math.min(t + step, p.to) });
  return out;
}

export const trendStep = (buckets: readonly Period[]): number => (buckets.length > 1 ? buckets[1]!.from - buckets[0]!.from : buckets[0] ? buckets[0].to - buckets[0].from : 1);
