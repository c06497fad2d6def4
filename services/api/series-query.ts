// /api/series query parameters: zod-validated, with times as ms since epoch or
// ISO 8601 date-times with an offset, and steps as "30s", "5m", "1h" or ms.
import { z } from 'zod';
import { DEVICE_ID, parseDuration } from '../../devices/index.ts';
import { QalaError } from '../contracts/errors.ts';
import { parseQuery } from './query.ts';

export const MAX_BUCKETS = 10_000;
/** A step longer than a year answers nothing a chart could use. */
const MAX_STEP_MS = 366 * 86_400_000;
/** 15 digits: ms up to the year 33658, far inside the store's BIGINT. */
const EPOCH_MS = /^\d{1,15}$/;
const ISO = z.iso.datetime({ offset: true });

const INSTANT = 'a time as ms since epoch (1768442400000) or an ISO 8601 date-time with Z or an offset (2026-01-15T06:00:00Z, 2026-01-15T11:00:00+05:00)';
export const instant = z
  .string()
  .describe(INSTANT)
  .transform((s, ctx) => {
    const ms = EPOCH_MS.test(s) ? Number(s) : ISO.safeParse(s).success ? Date.parse(s) : Number.NaN;
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: INSTANT });
      return z.NEVER;
    }
    return ms;
  });

const STEP = 'a duration such as 30s, 5m, 1h, 1d or a number of ms, from 1 ms to 366d';
export const duration = z
  .string()
  .describe(STEP)
  .transform((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === undefined || ms < 1 || ms > MAX_STEP_MS) {
      ctx.addIssue({ code: 'custom', message: STEP });
      return z.NEVER;
    }
    return ms;
  });

export const seriesQuerySchema = z
  .object({
    deviceId: z.string().regex(DEVICE_ID, 'a device id such as wp-0001 (letters, digits, _ . : -)').describe('the device, such as wp-0001'),
    metric: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a metric name such as pressure').describe('the metric, such as pressure'),
    from: instant.optional(),
    to: instant.optional(),
    step: duration.optional(),
  })
  .strict();

export type SeriesParams = { deviceId: string; metric: string; from: number; to: number; stepMs: number };

/** The query as the store takes it (to defaults to now, from to an hour before), or ERR_QUERY_INVALID. */
export function resolveSeriesQuery(raw: unknown, now: number): SeriesParams {
  const p = parseQuery(seriesQuerySchema, raw);
  const to = p.to ?? now;
  const from = p.from ?? to - 3_600_000;
  if (from >= to) throw new QalaError('ERR_QUERY_INVALID', `from (${from}) must be before to (${to})`);
  const stepMs = p.step ?? Math.max(1000, Math.ceil((to - from) / 240));
  if ((to - from) / stepMs > MAX_BUCKETS) {
    throw new QalaError('ERR_QUERY_INVALID', `step ${stepMs} ms gives more than ${MAX_BUCKETS} buckets over ${to - from} ms; use a larger step or a shorter range`);
  }
  return { deviceId: p.deviceId, metric: p.metric, from, to, stepMs };
}
