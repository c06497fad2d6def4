// Folds the latest reading of every device into one figure per subsystem, kind and
// metric, the way a control-room tile shows it. Pure, so it is unit-tested alone.
// Two steps: one pass over the devices gathers each kind's sums (accumulate), then
// a fold makes a subsystem's summary of some of its kinds (the whole town's, or one
// utility's network's: a device has one kind and a kind one utility, so every view
// is folded from the same pass).
import type { DeviceKind, Subsystem } from '../../devices/index.ts';
import type { DeviceState, MetricFigure, SubsystemSummary } from '../contracts/live.ts';

/** One kind's devices, gathered. */
export interface KindTotals {
  devices: number;
  online: number;
  last: number;
  /** its devices with a metric outside the normal band */
  outDevices: number;
  metrics: Map<string, { sum: number; max: number; n: number; out: number }>;
}

export function accumulate(devices: Iterable<DeviceState>, kinds: ReadonlyMap<string, DeviceKind>): Map<string, KindTotals> {
  const acc = new Map<string, KindTotals>();
  for (const d of devices) {
    const spec = kinds.get(d.kind);
    let k = acc.get(d.kind);
    if (!k) acc.set(d.kind, (k = { devices: 0, online: 0, last: 0, outDevices: 0, metrics: new Map() }));
    k.devices++;
    if (d.online) k.online++;
    k.last = Math.max(k.last, d.ts);
    let out = false;
    for (const [metric, value] of Object.entries(d.metrics)) {
      let m = k.metrics.get(metric);
      if (!m) k.metrics.set(metric, (m = { sum: 0, max: -Infinity, n: 0, out: 0 }));
      m.sum += value;
      m.max = Math.max(m.max, value);
      m.n++;
      const normal = spec?.metrics[metric]?.normal;
      if (normal && (value < normal[0] || value > normal[1])) {
        m.out++;
        out = true;
      }
    }
    if (out) k.outDevices++;
  }
  return acc;
}

/** The summary of a subsystem over the kinds `include` keeps (all by default). */
export function fold(subsystem: Subsystem, acc: ReadonlyMap<string, KindTotals>, kinds: ReadonlyMap<string, DeviceKind>, include: (kindId: string) => boolean = () => true): SubsystemSummary {
  const out: SubsystemSummary = { subsystem, devices: 0, online: 0, outOfNormal: 0, lastReadingAt: 0, headline: null, kinds: {} };
  for (const [kindId, k] of [...acc].sort(([a], [b]) => a.localeCompare(b))) {
    if (!include(kindId)) continue;
    out.devices += k.devices;
    out.online += k.online;
    out.outOfNormal += k.outDevices;
    out.lastReadingAt = Math.max(out.lastReadingAt, k.last);
    const spec = kinds.get(kindId);
    const metrics: Record<string, MetricFigure> = {};
    for (const [metric, m] of k.metrics) {
      const ms = spec?.metrics[metric];
      const aggregate = ms?.aggregate ?? 'mean';
      const value = aggregate === 'sum' ? m.sum : aggregate === 'max' ? m.max : m.sum / m.n;
      metrics[metric] = { value: round(value), unit: ms?.unit ?? '', aggregate, outOfNormal: m.out };
    }
    out.kinds[kindId] = { devices: k.devices, lastReadingAt: k.last, metrics };
  }
  // Headline: the first kind of the subsystem in catalog order that has data.
  for (const spec of kinds.values()) {
    const fig = spec.subsystem === subsystem ? out.kinds[spec.id]?.metrics[spec.headline] : undefined;
    if (fig) {
      out.headline = { kind: spec.id, metric: spec.headline, value: fig.value, unit: fig.unit };
      break;
    }
  }
  return out;
}

export function summarise(subsystem: Subsystem, devices: Iterable<DeviceState>, kinds: ReadonlyMap<string, DeviceKind>): SubsystemSummary {
  return fold(subsystem, accumulate(devices, kinds), kinds);
}

const round = (v: number): number => Math.round(v * 100) / 100;
