// The store port: what the platform needs of a time-series store. Adapters:
// DuckDB (embedded, default) and InfluxDB (influxdb-store.ts: retention is the
// policy or bucket of InfluxDB itself, so it serves every series from raw points).
import type { Reading } from '../contracts/index.ts';

export interface SeriesQuery {
  deviceId: string;
  metric: string;
  from: number;
  to: number;
  stepMs: number;
}

export interface SeriesManyQuery extends Omit<SeriesQuery, 'deviceId'> {
  deviceIds: readonly string[];
}

/** Where a series was answered from: raw readings, or a rollup of that resolution. */
export type SeriesSource = 'raw' | '1m' | '1h';

/** How long each resolution is kept, in ms of data time. */
export interface Retention {
  rawMs: number;
  minuteMs: number;
  hourMs: number;
}

export interface SeriesPoint {
  t: number;
  avg: number;
  min: number;
  max: number;
  count: number;
}

export interface LatestDevice {
  deviceId: string;
  town: string;
  subsystem: string;
  district: string;
  kind: string;
  ts: number;
  metrics: Record<string, number>;
}

export interface TimeSeriesStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Writes all or nothing; throws so the writer can keep the batch and retry. */
  write(readings: readonly Reading[]): Promise<void>;
  series(q: SeriesQuery): Promise<SeriesPoint[]>;
  /** The series of many devices in one query (the control room's tile charts), keyed by device; adapters without it are asked device by device. */
  seriesMany?(q: SeriesManyQuery): Promise<Map<string, SeriesPoint[]>>;
  /** The table a query of this step over this range is served from (see pickSource). */
  seriesSource?(q: SeriesQuery): SeriesSource;
  latest(): Promise<LatestDevice[]>;
}

const RESOLUTION_MS: Record<SeriesSource, number> = { raw: 0, '1m': 60_000, '1h': 3_600_000 };
const KEPT: Record<SeriesSource, keyof Retention> = { raw: 'rawMs', '1m': 'minuteMs', '1h': 'hourMs' };

/**
 * The coarsest table whose resolution is no coarser than the step and whose retention
 * still holds `from` (measured back from `newest`, the store's data time); when none
 * holds it, the longest-kept table, so a 30-day chart is drawn from hourly rollups
 * instead of coming back empty.
 */
export function pickSource(stepMs: number, from: number, newest: number, retention: Retention): SeriesSource {
  const order: SeriesSource[] = ['1h', '1m', 'raw'];
  const holds = (s: SeriesSource) => from >= newest - retention[KEPT[s]];
  const fine = order.filter((s) => RESOLUTION_MS[s] <= stepMs);
  return fine.find(holds) ?? order.filter(holds).at(-1) ?? (['raw', '1m', '1h'] as const).reduce((a, b) => (retention[KEPT[b]] > retention[KEPT[a]] ? b : a));
}
