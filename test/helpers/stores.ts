// The stores the same integration tests run on: the embedded DuckDB always, and a
// real influxd (test/helpers/influxdb.ts) where Debian's influxdb is installed (on CI
// it must be). Each test gets an empty store of its own: a data dir, or a database.
import type { Config } from '../../services/config.ts';
import { DuckDbStore } from '../../services/store/duckdb-store.ts';
import { InfluxDbStore } from '../../services/store/influxdb-store.ts';
import type { TimeSeriesStore } from '../../services/store/port.ts';
import { influxdbAvailable, startInfluxDb, type TestInfluxDb } from './influxdb.ts';

export interface StoreCase {
  name: 'DuckDB' | 'InfluxDB';
  /** settings that give one test's platform an empty store of its own (influxd is started on first use, once per file) */
  settings(): Promise<Partial<Record<keyof Config, unknown>>>;
  /** a store object on what a platform with this config wrote (started by the caller) */
  open(config: Config): TimeSeriesStore;
}

let influx: TestInfluxDb | undefined;
let databases = 0;

/** The running influxd of this file, started on first use. */
export async function sharedInfluxDb(): Promise<TestInfluxDb> {
  influx ??= await startInfluxDb();
  return influx;
}

export function storeCases(): StoreCase[] {
  return [
    { name: 'DuckDB', settings: async () => ({}), open: (c) => new DuckDbStore({ dataDir: c.dataDir }) },
    ...(influxdbAvailable()
      ? [{
          name: 'InfluxDB' as const,
          settings: async () => (await sharedInfluxDb()).fresh(`qala${++databases}`),
          open: (c: Config) => new InfluxDbStore({ url: c.influxUrl!, bucket: c.influxBucket, timeoutMs: c.influxTimeoutMs }),
        }]
      : []),
  ];
}
