// The MQTT topic scheme, in one place so the broker, ingest, simulator and
// dashboard cannot drift apart:
//   city/<town>/<subsystem>/<district>/<kind>/<deviceId>/telemetry | status
//   city/<town>/incidents/<utility>/<incidentId>
//   city/<town>/deadletter
import { SUBSYSTEMS, type Subsystem } from './catalog.ts';

/** Topic levels are lowercase slugs: no wildcards, no separators, no surprises in a URL. */
export const SEGMENT = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Device ids keep their case (vendor serials), but no MQTT-special characters. */
export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export type Channel = 'telemetry' | 'status';

export interface DeviceAddress {
  town: string;
  subsystem: Subsystem;
  district: string;
  kind: string;
  deviceId: string;
}

export interface DeviceTopic extends DeviceAddress {
  channel: Channel;
}

export type TopicParse = { ok: true; value: DeviceTopic } | { ok: false; reason: string };

export function deviceTopic(a: DeviceAddress, channel: Channel): string {
  for (const [name, value] of [['town', a.town], ['subsystem', a.subsystem], ['district', a.district], ['kind', a.kind]] as const) {
    if (!SEGMENT.test(value)) throw new TypeError(`topic ${name} "${value}" must match ${SEGMENT}`);
  }
  if (!DEVICE_ID.test(a.deviceId)) throw new TypeError(`topic deviceId "${a.deviceId}" must match ${DEVICE_ID}`);
  return `city/${a.town}/${a.subsystem}/${a.district}/${a.kind}/${a.deviceId}/${channel}`;
}

export const telemetryTopic = (a: DeviceAddress): string => deviceTopic(a, 'telemetry');
export const statusTopic = (a: DeviceAddress): string => deviceTopic(a, 'status');

export function parseDeviceTopic(topic: string): TopicParse {
  const parts = topic.split('/');
  if (parts.length !== 7) {
    return { ok: false, reason: `expected 7 levels city/<town>/<subsystem>/<district>/<kind>/<deviceId>/<channel>, got ${parts.length}` };
  }
  const [root, town, subsystem, district, kind, deviceId, channel] = parts as [string, string, string, string, string, string, string];
  if (root !== 'city') return { ok: false, reason: `first level must be "city", got "${root}"` };
  if (!SEGMENT.test(town)) return { ok: false, reason: `town "${town}" is not a lowercase slug` };
  if (!(SUBSYSTEMS as readonly string[]).includes(subsystem)) {
    return { ok: false, reason: `subsystem "${subsystem}" is not one of ${SUBSYSTEMS.join(', ')}` };
  }
  if (!SEGMENT.test(district)) return { ok: false, reason: `district "${district}" is not a lowercase slug` };
  if (!SEGMENT.test(kind)) return { ok: false, reason: `kind "${kind}" is not a lowercase slug` };
  if (!DEVICE_ID.test(deviceId)) return { ok: false, reason: `deviceId "${deviceId}" has characters outside [A-Za-z0-9_.:-]` };
  if (channel !== 'telemetry' && channel !== 'status') {
    return { ok: false, reason: `channel must be "telemetry" or "status", got "${channel}"` };
  }
  return { ok: true, value: { town, subsystem: subsystem as Subsystem, district, kind, deviceId, channel } };
}

export const deadLetterTopic = (town: string): string => `city/${town}/deadletter`;
export const incidentTopic = (town: string, utility: string, incidentId: string): string =>
  `city/${town}/incidents/${utility}/${incidentId}`;
export const simFaultsTopic = (town: string): string => `city/${town}/sim/faults`;
