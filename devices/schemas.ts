// zod schemas of every payload on the wire. A kind's reading schema is built from
// its catalog entry, so adding a metric to the catalog is the whole change.
import { z } from 'zod';
import type { DeviceKind, MetricSpec } from './catalog.ts';

/** Device clocks drift, but not by decades: 2000-01-01 .. 2100-01-01, in ms. */
export const timestampMs = z
  .number()
  .int('ts must be whole milliseconds since epoch')
  .min(946_684_800_000, 'ts must be ms since epoch after 2000-01-01 (seconds given?)')
  .max(4_102_444_800_000, 'ts must be ms since epoch before 2100-01-01');

function metricSchema(name: string, spec: MetricSpec) {
  let s = z
    .number({ error: (iss) => (iss.input === undefined ? `${name} is required` : `${name} must be a number`) })
    .finite(`${name} must be finite`)
    .min(spec.bounds[0], `${name} below physical bound ${spec.bounds[0]} ${spec.unit}`)
    .max(spec.bounds[1], `${name} above physical bound ${spec.bounds[1]} ${spec.unit}`);
  if (spec.integer) s = s.int(`${name} must be an integer`);
  return s;
}

export function readingSchemaFor(kind: DeviceKind) {
  const shape: Record<string, z.ZodNumber> = {};
  for (const [name, spec] of Object.entries(kind.metrics)) shape[name] = metricSchema(name, spec);
  return z
    .object({
      ts: timestampMs,
      // A reading may carry a subset of metrics (a camera only reports what it saw).
      metrics: z.strictObject(shape).partial().refine((m) => Object.keys(m).length > 0, 'metrics must hold at least one metric'),
      seq: z.number().int().nonnegative().optional(),
    })
    .strict();
}

export type ReadingPayload = { ts: number; metrics: Record<string, number>; seq?: number };

/** SenML (RFC 8428) pack: base name/time apply to the records after them (§4.1, §4.5). */
export const senmlRecord = z
  .object({
    bn: z.string().optional(),
    bt: z.number().finite().optional(),
    bu: z.string().optional(),
    n: z.string().optional(),
    u: z.string().optional(),
    t: z.number().finite().optional(),
    v: z.number().finite().optional(),
  })
  .loose();
export const senmlPack = z.array(senmlRecord).min(1, 'a SenML pack needs at least one record');

export const statusPayload = z
  .object({
    state: z.enum(['online', 'offline']),
    ts: timestampMs.optional(),
    /** where the device is, [latitude, longitude] (WGS 84), sent with its birth */
    location: z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)]).optional(),
  })
  .strict();
export type StatusPayload = z.infer<typeof statusPayload>;
