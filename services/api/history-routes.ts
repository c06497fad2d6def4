// GET /api/history: a subsystem's headline figure (or another kind and metric of
// it) over a time range, folded over its devices from the store (history.ts). The
// control room's tile charts read it, so a reload or a restart shows the range at
// once; the store answers long ranges from its rollups (source). At most
// QALA_HISTORY_MAX_DEVICES devices are read per request, and the answer says how
// many it used. A utility user's figure folds its own network's devices only; a kind
// of another utility is refused (scope.ts).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DEVICE_KINDS, SUBSYSTEMS, type DeviceKind } from '../../devices/index.ts';
import { QalaError } from '../contracts/errors.ts';
import type { Clock } from '../contracts/index.ts';
import { principalOf } from './auth.ts';
import { foldSeries } from './history.ts';
import type { SeriesPoint } from '../store/port.ts';
import type { DirectoryPort, SeriesPort } from './ports.ts';
import { oneOf, parseQuery } from './query.ts';
import { refuseOtherNetwork, visibleTo } from './scope.ts';
import { duration, instant, MAX_BUCKETS } from './series-query.ts';

export const historyQuery = z
  .object({
    subsystem: oneOf(SUBSYSTEMS),
    kind: z.string().regex(/^[a-z0-9-]{1,64}$/, 'a device kind such as water-pressure').optional(),
    metric: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a metric name such as pressure').optional(),
    from: instant.optional(),
    to: instant.optional(),
    step: duration.optional(),
  })
  .strict();

/** How far a device's last value is carried into later buckets: two reporting intervals (60 s when the kind does not say). */
const carryMs = (kind: DeviceKind) => 2 * (kind.reportEveryMs ?? 60_000);

/** Store reads in flight at once for one request. */
const PARALLEL = 8;

/** Every device's series: in one query where the store can, else a few devices at a time. */
async function readAll(store: SeriesPort, deviceIds: readonly string[], q: { metric: string; from: number; to: number; stepMs: number }): Promise<SeriesPoint[][]> {
  if (store.seriesMany) {
    const byDevice = await store.seriesMany({ ...q, deviceIds });
    return deviceIds.map((id) => byDevice.get(id) ?? []);
  }
  const out = new Array<SeriesPoint[]>(deviceIds.length);
  for (let i = 0; i < deviceIds.length; i += PARALLEL) {
    await Promise.all(deviceIds.slice(i, i + PARALLEL).map(async (deviceId, j) => {
      out[i + j] = await store.series({ ...q, deviceId });
    }));
  }
  return out;
}

export interface HistoryRouteDeps {
  store: SeriesPort;
  directory: DirectoryPort;
  clock: Clock;
  maxDevices: number;
}

export function registerHistoryRoutes(app: FastifyInstance, d: HistoryRouteDeps): void {
  app.get('/api/history', { config: { access: 'user', summary: "A subsystem's figure over time as its tile shows it, folded over the kind's devices from the store (a utility user: its own network's)", query: historyQuery } }, async (req) => {
    const q = parseQuery(historyQuery, req.query);
    const to = q.to ?? d.clock.now();
    const from = q.from ?? to - 3_600_000;
    if (from >= to) throw new QalaError('ERR_QUERY_INVALID', `from (${from}) must be before to (${to})`);
    const stepMs = q.step ?? Math.max(1000, Math.ceil((to - from) / 240));
    if ((to - from) / stepMs > MAX_BUCKETS) throw new QalaError('ERR_QUERY_INVALID', `step ${stepMs} ms gives more than ${MAX_BUCKETS} buckets over ${to - from} ms; use a larger step or a shorter range`);
    // a utility user's figure is its own network's: its devices only, as /api/devices lists them (scope.ts)
    const p = principalOf(req);
    const devices = d.directory.list().filter((x) => x.subsystem === q.subsystem && visibleTo(p)(x));
    // the headline kind: the first of the subsystem in catalog order that has devices (services/live/summary.ts)
    const kind = q.kind
      ? DEVICE_KINDS.find((k) => k.id === q.kind && k.subsystem === q.subsystem)
      : DEVICE_KINDS.find((k) => k.subsystem === q.subsystem && devices.some((x) => x.kind === k.id));
    if (q.kind && !kind) throw new QalaError('ERR_QUERY_INVALID', `kind=${JSON.stringify(q.kind)}: not a kind of subsystem ${q.subsystem} (${DEVICE_KINDS.filter((k) => k.subsystem === q.subsystem).map((k) => k.id).join(', ')})`);
    if (kind) refuseOtherNetwork(p, kind);
    if (!kind) return { subsystem: q.subsystem, from, to, stepMs, devices: 0, devicesUsed: 0, points: [] };
    const metric = q.metric ?? kind.headline;
    const spec = kind.metrics[metric];
    if (!spec) throw new QalaError('ERR_QUERY_INVALID', `metric=${JSON.stringify(metric)}: not a metric of ${kind.id} (${Object.keys(kind.metrics).join(', ')})`);
    const ids = devices.filter((x) => x.kind === kind.id).map((x) => x.deviceId).sort();
    const used = ids.slice(0, d.maxDevices);
    // the bucket before `from` too, so a device's value carries into the first bucket
    const readFrom = Math.max(0, from - carryMs(kind));
    const perDevice = await readAll(d.store, used, { metric, from: readFrom, to, stepMs });
    const source = used.length && d.store.seriesSource ? d.store.seriesSource({ deviceId: used[0]!, metric, from: readFrom, to, stepMs }) : 'raw';
    const points = foldSeries(perDevice, { from, to, stepMs, aggregate: spec.aggregate, carryMs: carryMs(kind) });
    return { subsystem: q.subsystem, kind: kind.id, metric, unit: spec.unit, aggregate: spec.aggregate, from, to, stepMs, source, devices: ids.length, devicesUsed: used.length, points };
  });
}
