// The topic ACL: who may publish to and subscribe to what. Pure and total, so it is
// property-tested against MQTT's wildcard semantics. A decision carries its reason,
// for the audit log.
//
//   principal  publish                                         subscribe
//   device     its own .../telemetry and .../status, exactly   its own .../command, exactly
//              as registered (town, subsystem, district, kind)
//   gateway    device topics of its town (not of individually   nothing
//              registered devices); the simulator's also
//              city/<town>/sim/faults
//   user       nothing                                         admin: anything, $SYS too
//                                                              engineer: device telemetry and status,
//                                                                sim/faults, deadletter of the town
//                                                              operator, viewer: incidents of the town
//                                                              utility: city/<town>/incidents/<own utility>/#
//   platform   anything (in-process)
//
// Topics starting with "$" are the broker's ([MQTT-4.7.2-1]): nobody publishes there,
// and only admins subscribe to $SYS.
import { parseDeviceTopic } from '../../devices/index.ts';
import type { Principal } from '../contracts/index.ts';

export type Decision = { ok: true } | { ok: false; reason: string };

export interface AclContext {
  town: string;
  /** whether a device id belongs to an individually registered device (a gateway may not speak for it) */
  isRegistered: (deviceId: string) => boolean;
}

const OK: Decision = { ok: true };
const no = (reason: string): Decision => ({ ok: false, reason });

export function canPublish(p: Principal, topic: string, ctx: AclContext): Decision {
  if (p.type === 'platform') return OK;
  if (topic.startsWith('$')) return no('topics starting with "$" belong to the broker [MQTT-4.7.2-1]');
  if (p.type === 'user') return no(`user ${p.name} (${p.role}) may not publish`);
  if (p.type === 'gateway' && p.simulator && topic === `city/${ctx.town}/sim/faults`) return OK;
  const parsed = parseDeviceTopic(topic);
  if (!parsed.ok) return no(`not a device topic: ${parsed.reason}`);
  const t = parsed.value;
  if (t.town !== ctx.town) return no(`town "${t.town}" is not this platform's town "${ctx.town}"`);
  if (p.type === 'gateway') {
    return ctx.isRegistered(t.deviceId) ? no(`device ${t.deviceId} is registered on its own; gateway ${p.name} may not publish for it`) : OK;
  }
  if (t.deviceId !== p.deviceId) return no(`device ${p.deviceId} may not publish as device ${t.deviceId}`);
  for (const field of ['subsystem', 'district', 'kind'] as const) {
    if (t[field] !== p[field]) return no(`device ${p.deviceId} is registered with ${field} "${p[field]}", not "${t[field]}"`);
  }
  return OK;
}

/** The command topic a device may subscribe to (reserved for commands to devices). */
export const commandTopic = (p: Extract<Principal, { type: 'device' }>): string =>
  `city/${p.town}/${p.subsystem}/${p.district}/${p.kind}/${p.deviceId}/command`;

/**
 * Whether a subscription may be granted: every topic the filter can match must be
 * readable by the principal, so a wildcard reaching beyond what is allowed is refused
 * as a whole (it is never narrowed silently).
 */
export function canSubscribe(p: Principal, filter: string, ctx: AclContext): Decision {
  if (p.type === 'platform') return OK;
  if (p.type === 'user' && p.role === 'admin') return OK;
  if (filter.startsWith('$')) return no('only admins subscribe to "$" topics');
  if (p.type === 'device') return filter === commandTopic(p) ? OK : no(`device ${p.deviceId} may subscribe only to ${commandTopic(p)}`);
  if (p.type === 'gateway') return no(`gateway ${p.name} may not subscribe`);
  const town = `city/${ctx.town}/`;
  const allowed: string[] = [];
  if (p.role === 'utility') allowed.push(`${town}incidents/${p.utility ?? '-'}/#`);
  if (p.role === 'operator' || p.role === 'viewer' || p.role === 'engineer') allowed.push(`${town}incidents/#`);
  if (p.role === 'engineer') allowed.push(`${town}+/+/+/+/telemetry`, `${town}+/+/+/+/status`, `${town}sim/faults`, `${town}deadletter`);
  return allowed.some((a) => filterWithin(filter, a)) ? OK : no(`${p.role} ${p.name} may subscribe to ${allowed.join(', ') || 'nothing'}, not ${filter}`);
}

/**
 * Whether every topic `inner` matches is matched by `outer` (MQTT 3.1.1 §4.7:
 * "+" one level, "#" the rest, including the parent level). Both must be valid filters.
 */
export function filterWithin(inner: string, outer: string): boolean {
  const a = inner.split('/');
  const b = outer.split('/');
  for (let i = 0; i < b.length; i++) {
    const o = b[i]!;
    if (o === '#') return true; // covers the rest, and the parent level [MQTT-4.7.1-2]
    if (i >= a.length) return false;
    const x = a[i]!;
    if (x === '#') return false; // inner reaches further than outer's fixed levels
    if (o === '+') continue;
    if (x === '+' || x !== o) return false;
  }
  return a.length === b.length;
}
