// Folds the latest reading of every device into one figure per subsystem, kind and
// metric, the way a control-room tile shows it. Pure, so it is unit-tested alone.
import type { DeviceKind, Subsystem } from '../../devices/index.ts';
import type { DeviceState, MetricFigure, SubsystemSummary } from '../contracts/live.ts';

export function summarise(subsystem: Subsystem, devices: Iterable<DeviceState>, kinds: ReadonlyMap<string, DeviceKind>): SubsystemSummary {
  const acc = new Map<string, { devices: number; last: number; metrics: Map<string, { sum: number; max: number; n: number; out: number }> }>();
  let count = 0;
  let online = 0;
  let lastReadingAt = 0;
  const outDevices = new Set<string>();
  for (const d of devices) {
    count++;
    if (d.online) online++;
    lastReadingAt = Math.max(lastReadingAt, d.ts);
    const spec = kinds.get(d.kind);
    const k = acc.get(d.kind) ?? { devices: 0, last: 0, metrics: new Map() };
    k.devices++;
    k.last = Math.max(k.last, d.ts);
    for (const [metric, value] of Object.entries(d.metrics)) {
      const m = k.metrics.get(metric) ?? { sum: 0, max: -Infinity, n: 0, out: 0 };
      m.sum += value;
      m.max = Math.max(m.max, value);
      m.n++;
      const normal = spec?.metrics[metric]?.normal;
      if (normal && (value < normal[0] || value > normal[1])) {
        m.out++;
        outDevices.add(d.deviceId);
      }
      k.metrics.set(metric, m);
    }
    acc.set(d.kind, k);
  }
  const out: SubsystemSummary = { subsystem, devices: count, online, outOfNormal: outDevices.size, lastReadingAt, headline: null, kinds: {} };
  for (const [kindId, k] of [...acc].sort(([a], [b]) => a.localeCompare(b))) {
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

const round = (v: number): number => Math.round(v * 100) / 100;
