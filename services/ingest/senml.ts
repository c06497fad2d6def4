// SenML (RFC 8428) packs: resolved as the RFC says (§4.6), then mapped onto one
// device's readings. Pure and total, like classify.ts: every way a pack can be wrong
// comes back as a reason, never as a throw.
import { convertSenmlUnit, senmlPack, senmlRecord, type DeviceKind, type ReadingPayload } from '../../devices/index.ts';
import type { RejectReason } from '../contracts/index.ts';

/** A resolved record (§4.6): no base fields, the name concatenated, an absolute time in seconds. */
export interface ResolvedRecord {
  n: string;
  u?: string;
  v?: number;
  vs?: string;
  vb?: boolean;
  vd?: string;
  s?: number;
  /** seconds since the Unix epoch (§4.5.3) */
  t: number;
  ut?: number;
}

export type SenmlFailure = { ok: false; reason: RejectReason; detail: string };

/** The version this code implements (§4.1: "defaults to 10 if not present"). */
export const SENML_VERSION = 10;
/** §4.5.3: times below 2**28 are relative to "now". */
export const SENML_RELATIVE_TIME_LIMIT = 2 ** 28;
/** §4.5.1: the concatenated name's character set and first character. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9\-:./_]*$/;
const REGULAR_LABELS = ['n', 'u', 'v', 'vs', 'vb', 'vd', 's', 't', 'ut'] as const;

const invalid = (detail: string): SenmlFailure => ({ ok: false, reason: 'senml-invalid', detail: `SenML: ${detail}` });

/**
 * Applies the base fields to the records after them (§4, §4.1, §4.5) and returns the
 * resolved records in chronological order (§4.6). `nowMs` is what relative times are
 * relative to: the platform's time of reception, from its injected clock.
 */
export function resolveSenml(json: unknown, nowMs: number): { ok: true; records: ResolvedRecord[] } | SenmlFailure {
  const pack = senmlPack.safeParse(json);
  if (!pack.success) return invalid(pack.error.issues[0]?.message ?? 'not a pack');
  let bn = '';
  let bt = 0;
  let bu: string | undefined;
  let bv: number | undefined;
  let bs: number | undefined;
  let version = SENML_VERSION;
  let packVersion: number | undefined;
  const out: ResolvedRecord[] = [];
  for (const [i, raw] of pack.data.entries()) {
    const at = `record ${i}`;
    // §4.4: a label ending in "_" must be understood, else "an error MUST be generated"; Qala understands none.
    const mustUnderstand = Object.keys(raw).find((k) => k.endsWith('_'));
    if (mustUnderstand !== undefined) return invalid(`${at}: label "${mustUnderstand}" must be understood (RFC 8428 §4.4) and Qala knows no such extension`);
    const parsed = senmlRecord.safeParse(raw);
    if (!parsed.success) return invalid(`${at}: ${parsed.error.issues.map((x) => x.message).join('; ')}`);
    const r = parsed.data;
    if (r.bn !== undefined) bn = r.bn;
    if (r.bt !== undefined) bt = r.bt;
    if (r.bu !== undefined) bu = r.bu;
    if (r.bv !== undefined) bv = r.bv;
    if (r.bs !== undefined) bs = r.bs;
    if (r.bver !== undefined) version = r.bver;
    // §4.4: a version above the one understood "MUST NOT" be used; every record of a pack has one version.
    if (version > SENML_VERSION) return invalid(`${at}: bver ${version} is a newer SenML version than ${SENML_VERSION}, which Qala implements (RFC 8428 §4.4: it must not be used)`);
    packVersion ??= version;
    if (version !== packVersion) return invalid(`${at}: version ${version} differs from the pack's version ${packVersion} (RFC 8428 §4.4: all records of a pack have the same version)`);
    // A record of base fields alone sets them for the records after it, as in the RFC's own §5.1.7 example.
    if (!REGULAR_LABELS.some((k) => r[k] !== undefined)) continue;

    const name = bn + (r.n ?? '');
    if (!NAME.test(name)) {
      return invalid(`${at}: name "${name}" must start with a letter or digit and hold only letters, digits and - : . / _ (RFC 8428 §4.5.1)`);
    }
    // §4.5.4: Base Sum and Sum add up; with neither there is no sum.
    const sum = r.s === undefined && bs === undefined ? undefined : (bs ?? 0) + (r.s ?? 0);
    const valueFields = (['v', 'vs', 'vb', 'vd'] as const).filter((k) => r[k] !== undefined);
    // §4.2: "Exactly one Value field MUST appear unless there is a Sum field".
    if (valueFields.length > 1) return invalid(`${at}: ${valueFields.join(' and ')} both given; a record carries exactly one value (RFC 8428 §4.2)`);
    if (valueFields.length === 0 && sum === undefined) return invalid(`${at}: "${name}" has no value (v, vb, vs or vd) and no sum (RFC 8428 §4.2)`);
    // §4.5.3: Base Time and Time add up; below 2**28 the result is relative to now.
    const time = bt + (r.t ?? 0);
    const t = time < SENML_RELATIVE_TIME_LIMIT ? nowMs / 1000 + time : time;
    const rec: ResolvedRecord = { n: name, t };
    const unit = r.u ?? bu; // §4.5.2: a record without a unit takes the base unit
    if (unit !== undefined) rec.u = unit;
    // §4.5.4: Base Value and Value add up. It completes a numeric value; a record with another
    // value type or only a sum gets none, since a record holds at most one value (§4.2).
    if (r.v !== undefined) rec.v = (bv ?? 0) + r.v;
    if (r.vs !== undefined) rec.vs = r.vs;
    if (r.vb !== undefined) rec.vb = r.vb;
    if (r.vd !== undefined) rec.vd = r.vd;
    if (sum !== undefined) rec.s = sum;
    if (r.ut !== undefined) rec.ut = r.ut;
    for (const [label, x] of [['t', rec.t], ['v', rec.v], ['s', rec.s]] as const) {
      if (x !== undefined && !Number.isFinite(x)) return invalid(`${at}: the resolved ${label} of "${name}" is not a finite number`);
    }
    out.push(rec);
  }
  if (out.length === 0) return invalid('the pack has base fields only, no record with a value');
  // §4.6: resolved records are in chronological order (a stable sort keeps the pack's order within a time).
  return { ok: true, records: out.sort((a, b) => a.t - b.t) };
}

/**
 * Resolved records → one reading per distinct time, for the device the topic names.
 * A name is `<metric>` or `<prefix>(:|/)<metric>` whose prefix is the topic's device id
 * or ends with `:<deviceId>` or `/<deviceId>` (e.g. urn:dev:ow:<deviceId>:pressure).
 * Records of another device, two values of one metric at one time, and values that no
 * metric can hold are refused with the reason, never merged or dropped.
 */
export function senmlReadings(records: readonly ResolvedRecord[], kind: DeviceKind, deviceId: string): { ok: true; value: ReadingPayload[] } | SenmlFailure {
  // Names first: a pack with another device's records is refused as such, whatever its values.
  let device: string | undefined;
  const named: { r: ResolvedRecord; metric: string }[] = [];
  for (const r of records) {
    const cut = Math.max(r.n.lastIndexOf(':'), r.n.lastIndexOf('/'));
    const prefix = cut < 0 ? '' : r.n.slice(0, cut);
    if (prefix !== '') {
      const names = prefix === deviceId || prefix.endsWith(`:${deviceId}`) || prefix.endsWith(`/${deviceId}`);
      if (!names) return conflict(`"${r.n}" names device "${prefix}", but the topic is device "${deviceId}"; a pack carries one device's records`);
      if (device !== undefined && device !== prefix) return conflict(`"${r.n}" names device "${prefix}" after "${device}"; a pack carries one device's records`);
      device = prefix;
    }
    named.push({ r, metric: r.n.slice(cut + 1) });
  }
  const byTime = new Map<number, Record<string, number>>();
  for (const { r, metric } of named) {
    const spec = Object.hasOwn(kind.metrics, metric) ? kind.metrics[metric] : undefined;
    if (!spec) return { ok: false, reason: 'schema-mismatch', detail: `SenML: "${r.n}" is not a metric of ${kind.id} (it has ${Object.keys(kind.metrics).join(', ')})` };
    let value: number;
    if (r.vs !== undefined) return unsupported(`"${r.n}" is a string value (vs); ${metric} holds a number`);
    if (r.vd !== undefined) return unsupported(`"${r.n}" is a data value (vd); ${metric} holds a number`);
    if (r.vb !== undefined) {
      // A boolean is the switch value 1/0 of RFC 8428 Table 6 Note 2; only on/off metrics hold one.
      if (spec.unit !== 'bool') return unsupported(`"${r.n}" is a boolean (vb), but ${metric} is in ${spec.unit}, not an on/off metric`);
      value = r.vb ? 1 : 0;
    } else if (r.v !== undefined) {
      if (r.u === undefined) value = r.v; // §4.5.2: no unit, so the application's: the kind's own
      else {
        const c = convertSenmlUnit(r.v, r.u, spec.unit);
        if (!c.ok) return unsupported(`"${r.n}": ${c.reason}`);
        value = c.value;
      }
    } else {
      return unsupported(`"${r.n}" carries only a sum (s): ${metric} is an instantaneous value and no Qala metric holds an integral over time`);
    }
    const ms = Math.round(r.t * 1000);
    const metrics = byTime.get(ms) ?? {};
    const before = metrics[metric];
    if (before !== undefined) {
      return conflict(`two values for ${metric} at ${iso(ms)} (${before} and ${value}); a pack gives one value per metric and time`);
    }
    metrics[metric] = value;
    byTime.set(ms, metrics);
  }
  return { ok: true, value: [...byTime].map(([ts, metrics]) => ({ ts, metrics })) };
}

const conflict = (detail: string): SenmlFailure => ({ ok: false, reason: 'senml-conflict', detail: `SenML: ${detail}` });
const unsupported = (detail: string): SenmlFailure => ({ ok: false, reason: 'senml-unsupported', detail: `SenML: ${detail}` });

/** A time for a message: ISO 8601 when it is one, else the number. */
export const iso = (ms: number): string => {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
};
