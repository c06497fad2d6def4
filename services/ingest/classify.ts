// Turns one MQTT message into readings, a status change, or a rejection with its
// reason. Pure: no I/O, no clock of its own, so it can be property-tested and fuzzed.
import {
  parseDeviceTopic,
  statusPayload,
  type DeviceRegistry,
  type DeviceTopic,
} from '../../devices/index.ts';
import { overSizeLimit, type DeviceStatus, type Reading, type RejectReason } from '../contracts/index.ts';
import { iso, resolveSenml, senmlReadings } from './senml.ts';

export type Classified =
  | { type: 'readings'; readings: Reading[] }
  | { type: 'status'; status: DeviceStatus }
  | { type: 'ignored' }
  /** `readings`: how many readings the rejected message carried, when that could be told (a message is rejected whole) */
  | { type: 'rejected'; reason: RejectReason; detail: string; readings?: number };

export interface ClassifyContext {
  town: string;
  registry: DeviceRegistry;
  maxPayloadBytes: number;
  receivedAt: number;
  /** how far before receivedAt a device's timestamp may lie (default DEFAULT_MAX_PAST_MS) */
  maxPastMs?: number;
  /** how far after receivedAt a device's timestamp may lie (default DEFAULT_MAX_FUTURE_MS) */
  maxFutureMs?: number;
}

/**
 * Accepted device clock skew. The past is generous: a device or gateway that was cut
 * off back-fills what it buffered (a week covers an outage over a long weekend); the
 * future is not, since no reading can come from it: five minutes allow for a device
 * clock that drifts between NTP syncs, while a reading dated 2099 would pin its
 * subsystem's last-reading time there.
 */
export const DEFAULT_MAX_PAST_MS = 7 * 86_400_000;
export const DEFAULT_MAX_FUTURE_MS = 5 * 60_000;

const reject = (reason: RejectReason, detail: string, readings?: number): Classified => ({ type: 'rejected', reason, detail, ...(readings !== undefined ? { readings } : {}) });

/** Platform channels under city/<town>/ that are not device traffic. */
export function isPlatformTopic(topic: string, town: string): boolean {
  const rest = topic.slice(`city/${town}/`.length);
  return rest === 'deadletter' || rest.startsWith('incidents/') || rest.startsWith('sim/') || rest.startsWith('$');
}

export function classify(topic: string, payload: Buffer, ctx: ClassifyContext): Classified {
  if (isPlatformTopic(topic, ctx.town)) return { type: 'ignored' };
  const parsed = parseDeviceTopic(topic);
  if (!parsed.ok) return reject('topic-off-scheme', parsed.reason);
  const t = parsed.value;
  if (t.town !== ctx.town) return reject('topic-off-scheme', `town "${t.town}" is not this platform's town "${ctx.town}"`);
  const kind = ctx.registry.get(t.kind);
  if (!kind) return reject('unknown-kind', `device kind "${t.kind}" is not in the registry`);
  if (kind.subsystem !== t.subsystem) {
    return reject('topic-off-scheme', `kind "${t.kind}" belongs to subsystem "${kind.subsystem}", not "${t.subsystem}"`);
  }
  if (overSizeLimit(payload.length, ctx)) {
    return reject('payload-too-large', `payload is ${payload.length} bytes, the limit is ${ctx.maxPayloadBytes}`);
  }
  if (t.channel === 'status' && payload.length === 0) return { type: 'ignored' }; // a retained status being cleared

  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return reject('bad-json', `payload is not JSON: ${(err as Error).message}`);
  }

  if (t.channel === 'status') {
    const s = statusPayload.safeParse(json);
    if (!s.success) return reject('schema-mismatch', `status: ${formatIssues(s.error.issues)}`);
    const location = s.data.location;
    if (s.data.ts !== undefined) {
      const off = outOfRange(s.data.ts, ctx);
      if (off) return reject('timestamp-out-of-range', `status: ${off}`);
    }
    const attributes = s.data.attributes;
    return { type: 'status', status: { ...address(t), state: s.data.state, at: s.data.ts ?? ctx.receivedAt, ...(location ? { location } : {}), ...(attributes ? { attributes } : {}) } };
  }

  let candidates: unknown[] = [json];
  if (Array.isArray(json)) {
    // SenML (RFC 8428): relative times are relative to the reception time, from the injected clock.
    const resolved = resolveSenml(json, ctx.receivedAt);
    if (!resolved.ok) return reject(resolved.reason, resolved.detail);
    const readings = senmlReadings(resolved.records, kind, t.deviceId);
    // a refused pack counts as the readings it would have made: one per distinct time
    if (!readings.ok) return reject(readings.reason, readings.detail, new Set(resolved.records.map((r) => Math.round(r.t * 1000))).size);
    candidates = readings.value;
  }
  const readings: Reading[] = [];
  for (const candidate of candidates) {
    const r = kind.schema.safeParse(candidate);
    if (!r.success) return reject('schema-mismatch', `${t.kind}: ${formatIssues(r.error.issues)}`, candidates.length);
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(r.data.metrics)) if (v !== undefined) metrics[k] = v;
    const off = outOfRange(r.data.ts, ctx);
    if (off) return reject('timestamp-out-of-range', `${t.kind}: ${off}`, candidates.length);
    readings.push({ ...address(t), ts: r.data.ts, receivedAt: ctx.receivedAt, metrics });
  }
  return { type: 'readings', readings };
}

/** Why a device timestamp lies outside the accepted skew around receivedAt, or undefined when it does not. */
function outOfRange(ts: number, ctx: ClassifyContext): string | undefined {
  const past = ctx.maxPastMs ?? DEFAULT_MAX_PAST_MS;
  const future = ctx.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
  if (ts > ctx.receivedAt + future) return `ts ${iso(ts)} is ${human(ts - ctx.receivedAt)} ahead of the platform's clock (${iso(ctx.receivedAt)}); at most ${human(future)} is accepted`;
  if (ts < ctx.receivedAt - past) return `ts ${iso(ts)} is ${human(ctx.receivedAt - ts)} behind the platform's clock (${iso(ctx.receivedAt)}); at most ${human(past)} is accepted`;
  return undefined;
}

function human(ms: number): string {
  if (ms >= 2 * 86_400_000) return `${Math.round(ms / 86_400_000)} d`;
  if (ms >= 2 * 3_600_000) return `${Math.round(ms / 3_600_000)} h`;
  if (ms >= 2 * 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}

function address(t: DeviceTopic) {
  return { town: t.town, subsystem: t.subsystem, district: t.district, kind: t.kind, deviceId: t.deviceId };
}

function formatIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}
