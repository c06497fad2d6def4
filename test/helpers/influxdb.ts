// Debian's InfluxDB for a test suite (infra/influxdb.ts: influxd on a free port in a
// temporary dir, behind the v2-write front), stopped and its folder deleted when the
// test or file that started it ends. On CI it must be there (.ci/run installs it);
// elsewhere the suite is skipped with a clear message.
import { rmSync } from 'node:fs';
import { influxdInstalled, INFLUXD, influxQl, startInfluxDb as start } from '../../infra/influxdb.ts';
import { hold, killAndWait } from './resources.ts';

export function influxdbAvailable(): boolean {
  if (influxdInstalled()) return true;
  if (process.env.CI) throw new Error(`${INFLUXD} is missing: .ci/run must install Debian's influxdb (infra/install-test-deps.sh)`);
  console.warn(`InfluxDB tests skipped: no ${INFLUXD} (bash infra/install-test-deps.sh)`);
  return false;
}

export interface TestInfluxDb {
  /** the front Qala is pointed at */
  url: string;
  /** influxd itself (InfluxQL that changes things: CREATE RETENTION POLICY ...) */
  serverUrl: string;
  database: string;
  /** v2 writes that reached the server, by Content-Encoding */
  readonly writes: { gzip: number; plain: number };
  /** the store settings that point Qala at it */
  config: { store: 'influxdb'; influxUrl: string; influxBucket: string };
  /** a new, empty database on the same server, and the settings that point Qala at it (one per test keeps tests apart) */
  fresh(name: string): Promise<TestInfluxDb['config']>;
  /** kill -9 of influxd (the front stays, so Qala sees the store fail); resolves once the process is gone */
  kill(): Promise<void>;
  /** influxd again on the same files and port */
  restart(): Promise<void>;
}

export async function startInfluxDb(database = 'qala'): Promise<TestInfluxDb> {
  const db = await start(database);
  hold(
    `influxd on ${db.serverUrl} (pid ${db.pid})`,
    async () => {
      await killAndWait(db.pid);
      await db.stop();
    },
    () => {
      try {
        process.kill(db.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(db.dir, { recursive: true, force: true });
    },
  );
  return {
    url: db.url,
    serverUrl: db.serverUrl,
    database,
    writes: db.writes,
    config: { store: 'influxdb', influxUrl: db.url, influxBucket: database },
    fresh: async (name) => {
      await influxQl(db.serverUrl, `CREATE DATABASE "${name}"`);
      return { store: 'influxdb', influxUrl: db.url, influxBucket: name };
    },
    kill: () => killAndWait(db.pid, 'SIGKILL'),
    restart: async () => {
      await db.restart();
    },
  };
}
