// Rollups and retention on a real DuckDB file: a series read from the 1-minute or
// 1-hour rollups equals the same series computed from the raw readings, whatever the
// batching and however late readings arrive; data past its retention is deleted while
// the coarser rollups keep the history, and a long range is answered from them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../services/contracts/index.ts';
import { DuckDbStore } from '../../../services/store/duckdb-store.ts';
import { pickSource, type SeriesPoint } from '../../../services/store/port.ts';
import { tempDir } from '../../helpers/platform.ts';
import { hold } from '../../helpers/resources.ts';

const T0 = Date.UTC(2026, 0, 15, 0, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const reading = (deviceId: string, ts: number, value: number): Reading => ({
  town: 'temirtau', subsystem: 'utilities', district: 'old-town', kind: 'water-pressure', deviceId, ts, receivedAt: ts, metrics: { pressure: value },
});

async function openStore(retention?: { rawMs: number; minuteMs: number; hourMs: number }): Promise<DuckDbStore> {
  const store = new DuckDbStore({ dataDir: await tempDir('qala-store-'), ...(retention ? { retention } : {}) });
  await store.start();
  hold('duckdb store', () => store.stop());
  return store;
}

/** What a step-bucketed series over `rs` must be: computed here, in plain JS. */
function expected(rs: readonly Reading[], deviceId: string, from: number, to: number, step: number): SeriesPoint[] {
  const buckets = new Map<number, number[]>();
  for (const r of rs) {
    if (r.deviceId !== deviceId || r.ts < from || r.ts >= to) continue;
    const t = Math.floor(r.ts / step) * step;
    buckets.set(t, [...(buckets.get(t) ?? []), r.metrics.pressure!]);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, vs]) => ({ t, avg: vs.reduce((a, b) => a + b, 0) / vs.length, min: Math.min(...vs), max: Math.max(...vs), count: vs.length }));
}

const close = (got: SeriesPoint[], want: SeriesPoint[]) => {
  expect(got.map((p) => ({ ...p, avg: Number(p.avg.toFixed(6)) }))).toEqual(want.map((p) => ({ ...p, avg: Number(p.avg.toFixed(6)) })));
};

describe('DuckDB rollups', () => {
  it('answer a series equal to the raw one, whatever the batches and however late readings come, before and after merging', async () => {
    const store = await openStore();
    let written: Reading[] = [];
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ dev: fc.constantFrom('wp-1', 'wp-2'), at: fc.integer({ min: 0, max: 20 * MIN - 1 }), v: fc.integer({ min: 0, max: 1000 }) }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        async (points, cuts, mergeBetween) => {
          // each round writes to a day of its own, so rounds do not see each other
          const base = T0 + round++ * DAY;
          const rs = points.map((p) => reading(p.dev, base + p.at, p.v / 10));
          let at = 0;
          for (let i = 0; at < rs.length; i++) {
            const n = cuts[i % cuts.length]!;
            await store.write(rs.slice(at, at + n));
            at += n;
            if (mergeBetween && i % 2 === 0) await store.maintain();
          }
          written = rs;
          const check = async () => {
            for (const deviceId of ['wp-1', 'wp-2'])
              for (const step of [MIN, 5 * MIN, HOUR]) {
                const q = { deviceId, metric: 'pressure', from: base, to: base + 3 * HOUR, stepMs: step };
                expect(store.seriesSource(q)).toBe(step >= HOUR ? '1h' : '1m');
                close(await store.series(q), expected(written, deviceId, base, base + 3 * HOUR, step));
              }
          };
          await check();
          await store.maintain();
          await check();
        },
      ),
      { numRuns: 25 },
    );
  });

  it('merging leaves one row per device, metric and bucket', async () => {
    const store = await openStore();
    const rs = Array.from({ length: 120 }, (_, i) => reading('wp-1', T0 + i * 10_000, i));
    for (let i = 0; i < rs.length; i += 7) await store.write(rs.slice(i, i + 7));
    expect(await store.rowCount('rollup_1m')).toBeGreaterThan(20); // partials: one per batch and minute
    const result = await store.maintain();
    expect(await store.rowCount('rollup_1m')).toBe(20); // 120 readings 10 s apart = 20 minutes
    expect(await store.rowCount('rollup_1h')).toBe(1);
    expect(result.merged).toBeGreaterThan(0);
  });

  it('deletes what is past each retention, counted back from the newest reading, and long ranges are served from the rollups', async () => {
    const retention = { rawMs: 2 * DAY, minuteMs: 5 * DAY, hourMs: 30 * DAY };
    const store = await openStore(retention);
    // one reading a minute for 10 days
    const rs = Array.from({ length: 10 * 24 * 60 }, (_, i) => reading('wp-1', T0 + i * MIN, 4 + (i % 60) / 100));
    for (let i = 0; i < rs.length; i += 2000) await store.write(rs.slice(i, i + 2000));
    const newest = rs.at(-1)!.ts;
    const result = await store.maintain();
    expect(result.expired.readings).toBe(rs.filter((r) => r.ts < newest - retention.rawMs).length);
    expect(await store.rowCount('readings')).toBe(rs.filter((r) => r.ts >= newest - retention.rawMs).length);
    expect(await store.rowCount('rollup_1m')).toBe(rs.filter((r) => r.ts >= Math.floor((newest - retention.minuteMs) / MIN) * MIN).length);
    expect(await store.rowCount('rollup_1h')).toBe(10 * 24);

    // the whole 10 days in 1-hour steps: every hour is there, from the hourly rollup
    const all = { deviceId: 'wp-1', metric: 'pressure', from: T0, to: newest + 1, stepMs: HOUR };
    expect(store.seriesSource(all)).toBe('1h');
    close(await store.series(all), expected(rs, 'wp-1', T0, newest + 1, HOUR));
    // 10-minute steps over day 1: raw and 1-minute data are gone there, so the hourly rollup answers
    const old = { deviceId: 'wp-1', metric: 'pressure', from: T0, to: T0 + DAY, stepMs: 10 * MIN };
    expect(store.seriesSource(old)).toBe('1h');
    expect((await store.series(old)).length).toBe(24);
    // 10-minute steps over day 7: the 1-minute rollup still holds it
    const mid = { deviceId: 'wp-1', metric: 'pressure', from: T0 + 6 * DAY, to: T0 + 7 * DAY, stepMs: 10 * MIN };
    expect(store.seriesSource(mid)).toBe('1m');
    close(await store.series(mid), expected(rs, 'wp-1', mid.from, mid.to, 10 * MIN));
    // seconds over the last hour: raw
    const recent = { deviceId: 'wp-1', metric: 'pressure', from: newest - HOUR, to: newest + 1, stepMs: 10_000 };
    expect(store.seriesSource(recent)).toBe('raw');
    close(await store.series(recent), expected(rs, 'wp-1', recent.from, recent.to, 10_000));
  });

  it('keeps data through a restart, with retention counted from the stored data, not the wall clock', async () => {
    const dir = await tempDir('qala-store-');
    const a = new DuckDbStore({ dataDir: dir, retention: { rawMs: DAY, minuteMs: DAY, hourMs: DAY } });
    await a.start();
    // a replayed January, far behind today's wall clock: nothing of it is expired
    await a.write(Array.from({ length: 60 }, (_, i) => reading('wp-1', T0 + i * MIN, i)));
    await a.stop();
    const b = new DuckDbStore({ dataDir: dir, retention: { rawMs: DAY, minuteMs: DAY, hourMs: DAY } });
    await b.start();
    hold('duckdb store', () => b.stop());
    const result = await b.maintain();
    expect(result.expired).toEqual({ readings: 0, rollup_1m: 0, rollup_1h: 0 });
    expect(await b.rowCount('readings')).toBe(60);
  });
});

describe('pickSource', () => {
  const r = { rawMs: 30 * DAY, minuteMs: 90 * DAY, hourMs: 1825 * DAY };
  const now = T0 + 400 * DAY;
  it('takes the coarsest table no coarser than the step that still holds the start', () => {
    expect(pickSource(10_000, now - HOUR, now, r)).toBe('raw');
    expect(pickSource(MIN, now - HOUR, now, r)).toBe('1m');
    expect(pickSource(15 * MIN, now - DAY, now, r)).toBe('1m');
    expect(pickSource(HOUR, now - 30 * DAY, now, r)).toBe('1h');
    expect(pickSource(10_000, now - 60 * DAY, now, r)).toBe('1m');
    expect(pickSource(10_000, now - 200 * DAY, now, r)).toBe('1h');
    expect(pickSource(MIN, now - 3000 * DAY, now, r)).toBe('1h');
  });
});
