// What the field does to a clean feed: the hard cases a rule pack must survive
// without raising anything, each recorded as ground truth (a hard-negative class,
// the devices and the time it covers) so `qala rules test` can count the false
// incidents it causes. Deterministic by seed, on its own random streams, so the
// device models draw exactly what they drew before.
//
// Where the numbers come from (rates are per device unless said; `rate` scales them):
// - single-sample spikes and dropouts (a 0 V read, `signal=0`, a one-frame smoke
//   detection, a 0 bar dropout): ~1 in 10,000 readings, the order of Modbus/RS-485
//   CRC and ADC glitch rates reported for field RTUs;
// - reboot gaps: a watchdog or firmware reboot about once a day per device, 1–3 min silent;
// - QoS 1 redelivery (MQTT 3.1.1 §4.3.2: "at least once" may duplicate) and
//   reordering over cellular links: ~1 in 2,000 messages each;
// - gateway back-fill: a district's RTU gateway loses its uplink about once a week for
//   1–5 h, keeps its devices' readings, and uploads them after it has resumed live data
//   (store-and-forward, as LoRaWAN and Modbus gateways do);
// - clock skew: 3 % of devices minutes off (no NTP on the device, drift of ~20 ppm over months);
// - report on change: a third of cameras publish only when a value changes, with a
//   2-minute heartbeat;
// - marginal values: weak water points (end of network, upper zones) that sag to
//   about 2.2 bar at the evening peak, and gas points regulated near the top of the
//   1.8–3.5 kPa band — inside the normal band, where a rule must stay quiet.
import type { SimDevice } from './scenario.ts';
import { hashString, mulberry32, type Random } from './rng.ts';

export const HARD_CASE_CLASSES = ['spike', 'reboot-gap', 'duplicate', 'out-of-order', 'gateway-backfill', 'clock-skew', 'report-on-change', 'marginal'] as const;
export type HardCaseClass = (typeof HARD_CASE_CLASSES)[number];

/** Ground truth of one hard case: nothing here is a fault. */
export interface HardCase {
  id: string;
  class: HardCaseClass;
  district: string;
  devices: string[];
  start: number;
  end: number;
  /** rules whose incidents are right here (a gateway that is really offline for hours) */
  allows: string[];
}

export interface FieldOptions {
  seed: number;
  start: number;
  /** the end of the run (a week from the start when the run is endless) */
  end: number;
  intervalMs: number;
  devices: readonly SimDevice[];
  /** multiplies every hard-case rate; 0 gives the clean feed */
  rate: number;
}

/** A telemetry message on its way out: when it arrives, and what it says. */
export interface Outgoing {
  at: number;
  deviceId: string;
  topic: string;
  payload: string;
}

/** Subsystems added with the 27 towns (education, social): see the constructor. */
const LATER_SUBSYSTEMS: ReadonlySet<string> = new Set(['education', 'social']);
const GATEWAY_KINDS = new Set(['water-pressure', 'sewage-level', 'gas-pressure']);
const SPIKES: Record<string, (m: Record<string, number>) => void> = {
  'power-feeder': (m) => void (m.voltage = 0),
  'traffic-counter': (m) => void (m.signal = 0),
  'emergency-camera': (m) => void (m.smoke = 0.9),
  'water-pressure': (m) => void (m.pressure = 0),
  'sewage-level': (m) => void (m.level = 100),
  'gas-pressure': (m) => void (m.pressure = 0),
  'heat-substation': (m) => void (m.supplyTemp = 0),
};

interface Trait {
  skewMs: number;
  onChange: boolean;
  marginal: boolean;
  /** the last metrics sent and when, for report-on-change */
  last?: Record<string, number>;
  lastSent: number;
  gaps: { start: number; end: number }[];
  rng: Random;
}

export class FieldEffects {
  /** cases known in advance, in start order */
  readonly planned: HardCase[] = [];
  /** every case so far, planned and found on the way */
  readonly cases: HardCase[] = [];
  #fresh: HardCase[] = [];
  readonly #district = new Map<string, string>();
  readonly #o: FieldOptions;
  readonly #traits = new Map<string, Trait>();
  /** deviceId → its gateway's outage windows, with the release slot of each */
  readonly #outages = new Map<string, { start: number; end: number; case: HardCase; released: number }[]>();
  readonly #heap: (Outgoing & { seq: number })[] = [];
  #seq = 0;
  #caseSeq = 0;

  constructor(o: FieldOptions) {
    this.#o = o;
    const plan = mulberry32((o.seed ^ hashString('field')) >>> 0);
    const p = (x: number) => Math.min(1, x * o.rate);
    const days = (o.end - o.start) / 86_400_000;
    for (const d of o.devices.filter((x) => !LATER_SUBSYSTEMS.has(x.subsystem))) this.#planDevice(d, plan, p);
    // gateway outages with back-fill: about one a week per district
    const districts = [...new Set(o.devices.map((d) => d.district))];
    for (const district of districts) {
      const members = o.devices.filter((d) => d.district === district && GATEWAY_KINDS.has(d.kind.id)).map((d) => d.deviceId);
      if (members.length === 0) continue;
      const n = poissonCount(plan, p(days / 7));
      for (let i = 0; i < n; i++) {
        const start = o.start + Math.round(plan.next() * (o.end - o.start));
        const end = Math.min(o.end, start + Math.round((1 + plan.next() * 4) * 3_600_000));
        if (this.#outages.get(members[0]!)?.some((w) => w.start < end && w.end > start)) continue; // one gateway, one outage at a time
        const c = this.#case('gateway-backfill', district, members, start, end, ['device-offline', 'district-silent']);
        for (const id of members) {
          const list = this.#outages.get(id) ?? [];
          list.push({ start, end, case: c, released: 0 });
          this.#outages.set(id, list);
        }
      }
    }
    // devices of the subsystems added later plan on streams of their own, after the rest:
    // adding them to a town leaves its other devices' plan and case ids as they were
    for (const d of o.devices.filter((x) => LATER_SUBSYSTEMS.has(x.subsystem))) this.#planDevice(d, mulberry32((o.seed ^ hashString(`field-plan:${d.deviceId}`)) >>> 0), p);
    this.planned.push(...this.cases);
    this.planned.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
    this.#planning = false;
  }

  #planning = true;

  /** A device's traits and reboot gaps, drawn from `plan`. */
  #planDevice(d: SimDevice, plan: Random, p: (x: number) => number): void {
    const o = this.#o;
    this.#district.set(d.deviceId, d.district);
    const rng = mulberry32((o.seed ^ hashString(`field:${d.deviceId}`)) >>> 0);
    const t: Trait = { skewMs: 0, onChange: false, marginal: false, lastSent: Number.NEGATIVE_INFINITY, gaps: [], rng };
    if (plan.next() < p(0.03)) t.skewMs = Math.round((plan.next() < 0.5 ? -1 : 1) * (60 + plan.next() * 240) * 1000);
    if (d.kind.id === 'emergency-camera' && plan.next() < p(0.33)) t.onChange = true;
    if ((d.kind.id === 'water-pressure' && plan.next() < p(0.08)) || (d.kind.id === 'gas-pressure' && plan.next() < p(0.1))) t.marginal = true;
    // reboots: a Poisson process of one a day
    for (let at = o.start + expGap(plan, p(1) / 86_400_000); at < o.end; at += expGap(plan, p(1) / 86_400_000)) {
      const gap = { start: at, end: at + Math.round((60 + plan.next() * 120) * 1000) };
      t.gaps.push(gap);
      this.#case('reboot-gap', d.district, [d.deviceId], gap.start, gap.end);
    }
    if (t.skewMs) this.#case('clock-skew', d.district, [d.deviceId], o.start, o.end);
    if (t.onChange) this.#case('report-on-change', d.district, [d.deviceId], o.start, o.end);
    if (t.marginal) this.#case('marginal', d.district, [d.deviceId], o.start, o.end);
    this.#traits.set(d.deviceId, t);
  }

  #case(cls: HardCaseClass, district: string, devices: string[], start: number, end: number, allows: string[] = []): HardCase {
    const c: HardCase = { id: `h-${String(++this.#caseSeq).padStart(5, '0')}-${cls}`, class: cls, district, devices, start, end, allows };
    this.cases.push(c);
    if (!this.#planning) this.#fresh.push(c);
    return c;
  }

  /** Cases found since the last call (spikes, duplicates, reordering), to publish as they happen. */
  takeFresh(): HardCase[] {
    const out = this.#fresh;
    this.#fresh = [];
    return out;
  }

  /** Whether a device is out of reach (gateway outage) at any time in [from, to]: no fault is injected there, it could not be seen live. */
  busy(deviceId: string, from: number, to: number): boolean {
    return (this.#outages.get(deviceId) ?? []).some((w) => w.start < to && w.end > from);
  }

  /** The device's own timestamp for a reading taken at simulated time `t`. */
  deviceTime(deviceId: string, t: number): number {
    return t + (this.#traits.get(deviceId)?.skewMs ?? 0);
  }

  /**
   * Shapes one reading in place: marginal offsets, spikes; returns the metrics to
   * send (a subset for a report-on-change device) or undefined when the device
   * sends nothing (rebooting, or nothing changed).
   */
  shape(device: SimDevice, t: number, metrics: Record<string, number>): Record<string, number> | undefined {
    const tr = this.#traits.get(device.deviceId);
    if (!tr) return metrics;
    if (tr.gaps.some((g) => t >= g.start && t < g.end)) return undefined;
    if (tr.marginal) {
      if (device.kind.id === 'water-pressure' && metrics.pressure !== undefined) metrics.pressure = r2(Math.max(0, metrics.pressure - 0.8));
      if (device.kind.id === 'gas-pressure' && metrics.pressure !== undefined) metrics.pressure = r2(3.4 - (2.9 - metrics.pressure) * 0.3);
    }
    const spike = SPIKES[device.kind.id];
    if (spike && tr.rng.next() < Math.min(1, 1e-4 * this.#o.rate)) {
      spike(metrics);
      this.#case('spike', device.district, [device.deviceId], t, t);
    }
    if (!tr.onChange) return metrics;
    const changed = Object.fromEntries(Object.entries(metrics).filter(([k, v]) => tr.last?.[k] !== v));
    const heartbeat = t - tr.lastSent >= 120_000;
    if (Object.keys(changed).length === 0 && !heartbeat) return undefined;
    tr.last = { ...metrics };
    tr.lastSent = t;
    return heartbeat ? metrics : changed;
  }

  /** Schedules one telemetry message: duplicated, delayed or held by its gateway. */
  send(m: Outgoing, t: number): void {
    const tr = this.#traits.get(m.deviceId);
    const outage = this.#outages.get(m.deviceId)?.find((w) => t >= w.start && t < w.end);
    if (outage) {
      // uploaded after live data resumed: from 30 s after the uplink returns, 20 ms apart
      this.#push({ ...m, at: outage.end + 30_000 + 20 * outage.released++ });
      return;
    }
    if (tr && tr.rng.next() < Math.min(1, 5e-4 * this.#o.rate)) {
      this.#push({ ...m, at: m.at + Math.round(1.5 * this.#o.intervalMs) });
      this.#case('out-of-order', this.#districtOf(m.deviceId), [m.deviceId], m.at, m.at + Math.round(1.5 * this.#o.intervalMs));
      return;
    }
    this.#push(m);
    if (tr && tr.rng.next() < Math.min(1, 5e-4 * this.#o.rate)) {
      const at = m.at + 2000 + Math.round(tr.rng.next() * 3000);
      this.#push({ ...m, at });
      this.#case('duplicate', this.#districtOf(m.deviceId), [m.deviceId], m.at, at);
    }
  }

  #districtOf(deviceId: string): string {
    return this.#district.get(deviceId) ?? '';
  }

  /** When the next held message is due (Infinity when none is). */
  get nextDue(): number {
    return this.#heap[0]?.at ?? Infinity;
  }

  /** Messages due by `at` (inclusive), in arrival order. */
  *due(at: number): Generator<Outgoing> {
    while (this.#heap.length > 0 && this.#heap[0]!.at <= at) yield this.#pop();
  }

  #push(m: Outgoing): void {
    const h = this.#heap;
    h.push({ ...m, seq: this.#seq++ });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  #pop(): Outgoing {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return { at: top.at, deviceId: top.deviceId, topic: top.topic, payload: top.payload };
  }
}

const before = (a: { at: number; seq: number }, b: { at: number; seq: number }) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
const r2 = (v: number) => Math.round(v * 100) / 100;

function expGap(rng: Random, perMs: number): number {
  if (perMs <= 0) return Infinity;
  return Math.max(1, Math.round(-Math.log(Math.max(rng.next(), 1e-12)) / perMs));
}

function poissonCount(rng: Random, mean: number): number {
  let n = 0;
  let t = -Math.log(Math.max(rng.next(), 1e-12));
  while (t < mean) {
    n++;
    t += -Math.log(Math.max(rng.next(), 1e-12));
  }
  return n;
}
