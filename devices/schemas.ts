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

/**
 * One SenML (RFC 8428) record as JSON carries it (§5, Table 2): every label of the
 * specification with its JSON type. Labels a receiver does not know are ignored
 * (§4.4), so the object stays loose; what the fields mean together (one value field,
 * names, version, must-understand labels) is services/ingest/senml.ts's business.
 */
const senmlNumber = (label: string) =>
  z.number({ error: `${label} must be a JSON number` }).finite(`${label} must be finite`).optional();
const senmlString = (label: string) => z.string({ error: `${label} must be a JSON string` }).optional();
export const senmlRecord = z
  .object({
    bn: senmlString('bn'),
    bt: senmlNumber('bt'),
    bu: senmlString('bu'),
    bv: senmlNumber('bv'),
    bs: senmlNumber('bs'),
    // §4.1: "an optional positive integer"; CDDL (§11): uint
    bver: z.number({ error: 'bver must be a JSON number' }).int('bver must be an integer').positive('bver must be positive').optional(),
    n: senmlString('n'),
    u: senmlString('u'),
    v: senmlNumber('v'),
    vs: senmlString('vs'),
    vb: z.boolean({ error: 'vb must be true or false' }).optional(),
    vd: senmlString('vd'),
    s: senmlNumber('s'),
    t: senmlNumber('t'),
    ut: senmlNumber('ut'),
  })
  .loose();
export type SenmlRecord = z.infer<typeof senmlRecord>;
/** §5: "The root JSON value consists of an array with one JSON object for each SenML Record"; CDDL: [1* record]. */
export const senmlPack = z.array(z.record(z.string(), z.unknown(), { error: 'a SenML record must be a JSON object' })).min(1, 'a SenML pack needs at least one record');

export const statusPayload = z
  .object({
    state: z.enum(['online', 'offline']),
    ts: timestampMs.optional(),
    /** where the device is, [latitude, longitude] (WGS 84), sent with its birth */
    location: z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)]).optional(),
    /** what the registry should know of the device, sent with its birth: e.g. a lift's `dependents`, residents who cannot leave home without it */
    attributes: z
      .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,31}$/, 'an attribute name such as dependents'), z.union([z.number().finite(), z.boolean(), z.string().max(64)]))
      .refine((a) => Object.keys(a).length <= 16, 'at most 16 attributes')
      .optional(),
  })
  .strict();
export type StatusPayload = z.infer<typeof statusPayload>;
