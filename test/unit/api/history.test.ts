// Folding many devices' buckets into a tile's figure: each bucket folds the devices
// that had a value then (their own, or their last one carried while not yet stale),
// the way the live summary folds the latest readings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldSeries } from '../../../services/api/history.ts';
import type { SeriesPoint } from '../../../services/store/port.ts';

const p = (t: number, avg: number): SeriesPoint => ({ t, avg, min: avg, max: avg, count: 1 });
const opts = { from: 0, to: 60_000, stepMs: 10_000, carryMs: 20_000 };

describe('foldSeries', () => {
  it('takes the mean of the devices that have a value, so a device reporting in does not pull the line', () => {
    const a = [p(0, 4), p(10_000, 4), p(20_000, 4)];
    const b = [p(20_000, 5)];
    expect(foldSeries([a, b], { ...opts, aggregate: 'mean' }).map((x) => `${x.t / 1000}:${x.value}/${x.devices}`)).toEqual(['0:4/1', '10:4/1', '20:4.5/2', '30:4.5/2', '40:4.5/2']);
  });

  it('carries a device into buckets it skipped for carryMs, then counts it no more', () => {
    const a = [p(0, 1)];
    expect(foldSeries([a], { ...opts, aggregate: 'sum' }).map((x) => x.t)).toEqual([0, 10_000, 20_000]);
  });

  it('sums and takes the worst as the live summary does', () => {
    const a = [p(0, 2)];
    const b = [p(0, 7)];
    expect(foldSeries([a, b], { ...opts, to: 10_000, aggregate: 'sum' })).toEqual([{ t: 0, value: 9, devices: 2 }]);
    expect(foldSeries([a, b], { ...opts, to: 10_000, aggregate: 'max' })).toEqual([{ t: 0, value: 7, devices: 2 }]);
  });

  it('lets a value read before the range carry into its first bucket', () => {
    expect(foldSeries([[p(-10_000, 3)]], { ...opts, to: 10_000, aggregate: 'mean' })).toEqual([{ t: 0, value: 3, devices: 1 }]);
  });

  it('keeps every bucket mean within the devices’ own values (any series)', () => {
    const series = fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 6 }).map((ts) => ts.sort((x, y) => x - y).map((b) => p(b * 10_000, b + 1))), { maxLength: 5 });
    fc.assert(
      fc.property(series, (devices) => {
        const values = devices.flat().map((x) => x.avg);
        for (const b of foldSeries(devices, { ...opts, aggregate: 'mean' })) {
          expect(b.value).toBeGreaterThanOrEqual(Math.min(...values) - 0.01);
          expect(b.value).toBeLessThanOrEqual(Math.max(...values) + 0.01);
          expect(b.devices).toBeLessThanOrEqual(devices.length);
        }
      }),
    );
  });
});
