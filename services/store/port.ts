// The store port: what the platform needs of a time-series store. Adapters:
// DuckDB (embedded, default) and, later, InfluxDB.
import type { Reading } from '../contracts/index.ts';

export interface SeriesQuery {
  deviceId: string;
  metric: string;
  from: number;
  to: number;
  stepMs: number;
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
  latest(): Promise<LatestDevice[]>;
}
