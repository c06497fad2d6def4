// A subsystem's figure over time, as its tile shows it live: the devices of one kind,
// each bucket folding every device's value the way the live summary folds the
// latest readings (sum, mean or worst). A device carries its last value forward
// into buckets where it sent nothing, for as long as it is not yet stale (two of
// its kind's reporting intervals), so a chart does not dip every time a device
// skips a bucket nor climb while devices report in; past that it counts no more.
import type { SeriesPoint } from '../store/port.ts';

export interface FoldedPoint {
  t: number;
  value: number;
  /** devices that had a value in this bucket (their own or carried) */
  devices: number;
}

export function foldSeries(perDevice: readonly (readonly SeriesPoint[])[], opts: { from: number; to: number; stepMs: number; aggregate: 'sum' | 'mean' | 'max'; carryMs: number }): FoldedPoint[] {
  const { stepMs, aggregate } = opts;
  const first = Math.floor(opts.from / stepMs) * stepMs;
  const n = Math.max(0, Math.ceil((opts.to - first) / stepMs));
  const sum = new Float64Array(n);
  const max = new Float64Array(n).fill(-Infinity);
  const count = new Uint32Array(n);
  const carryBuckets = Math.max(0, Math.floor(opts.carryMs / stepMs));
  for (const points of perDevice) {
    let i = 0;
    for (let b = 0; b < n; b++) {
      const t = first + b * stepMs;
      while (i < points.length && points[i]!.t < t) i++;
      let v: number | undefined;
      if (i < points.length && points[i]!.t === t) v = points[i]!.avg;
      else if (i > 0 && (t - points[i - 1]!.t) / stepMs <= carryBuckets) v = points[i - 1]!.avg;
      if (v === undefined) continue;
      sum[b]! += v;
      max[b] = Math.max(max[b]!, v);
      count[b]!++;
    }
  }
  const out: FoldedPoint[] = [];
  for (let b = 0; b < n; b++) {
    const c = count[b]!;
    if (c === 0) continue;
    const value = aggregate === 'sum' ? sum[b]! : aggregate === 'max' ? max[b]! : sum[b]! / c;
    out.push({ t: first + b * stepMs, value: Math.round(value * 100) / 100, devices: c });
  }
  return out;
}
