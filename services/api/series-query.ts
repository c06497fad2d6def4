// /api/series query parameters: zod-validated, with times as ISO 8601 or ms since
// epoch and steps as "30s", "5m", "1h" or ms.
import { z } from 'zod';
import { DEVICE_ID, parseDuration } from '../../devices/index.ts';

export const MAX_BUCKETS = 10_000;

const instant = z.union([
  z.coerce.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

const duration = z
  .string()
  .transform((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === undefined || ms < 1) {
      ctx.addIssue({ code: 'custom', message: 'a duration such as 30s, 5m, 1h or a number of ms (at least 1 ms)' });
      return z.NEVER;
    }
    return ms;
  });

export const seriesQuerySchema = z
  .object({
    deviceId: z.string().regex(DEVICE_ID, 'a device id'),
    metric: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a metric name such as pressure'),
    from: instant.optional(),
    to: instant.optional(),
    step: duration.optional(),
  })
  .strict();

export type SeriesParams = { deviceId: string; metric: string; from: number; to: number; stepMs: number };

export function resolveSeriesQuery(raw: unknown, now: number): { ok: true; value: SeriesParams } | { ok: false; message: string } {
  const p = seriesQuerySchema.safeParse(raw);
  if (!p.success) {
    return { ok: false, message: p.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ') };
  }
  const to = p.data.to ?? now;
  const from = p.data.from ?? to - 3_600_000;
  if (from >= to) return { ok: false, message: `from (${from}) must be before to (${to})` };
  const stepMs = p.data.step ?? Math.max(1000, Math.ceil((to - from) / 240));
  if ((to - from) / stepMs > MAX_BUCKETS) {
    return { ok: false, message: `step ${stepMs} ms gives more than ${MAX_BUCKETS} buckets over ${to - from} ms; use a larger step` };
  }
  return { ok: true, value: { deviceId: p.data.deviceId, metric: p.data.metric, from, to, stepMs } };
}
