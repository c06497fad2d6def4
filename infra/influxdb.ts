// Debian's InfluxDB for tests and benchmarks, through infra/influxdb.sh: on a free
// loopback port, its files in a temporary dir, with the v2-write front of
// infra/influxdb-v2-compat.ts before it (Debian ships 1.6, the client writes
// /api/v2/write). The server can be stopped and started again on the same dir and
// port while the front stays, as a store outage looks to Qala. The caller stops it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startV2Compat } from './influxdb-v2-compat.ts';
import { freePort } from './mosquitto.ts';

const SCRIPT = fileURLToPath(new URL('./influxdb.sh', import.meta.url));

/** Where Debian's package puts the server. */
export const INFLUXD = '/usr/bin/influxd';
export const influxdInstalled = (): boolean => existsSync(INFLUXD);

export interface RunningInfluxDb {
  /** the front Qala is pointed at (QALA_INFLUX_URL) */
  url: string;
  /** influxd itself */
  serverUrl: string;
  database: string;
  /** v2 writes the front passed on, by Content-Encoding */
  readonly writes: { gzip: number; plain: number };
  /** the current influxd process */
  pid: number;
  dir: string;
  /** starts influxd again on the same dir and port (after it was stopped or killed); resolves once it answers */
  restart(): Promise<number>;
  /** stops influxd (SIGTERM, SIGKILL if it lingers) and waits until it is gone, closes the front, deletes the dir */
  stop(): Promise<void>;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Signals influxd through the script and waits until the process is gone (SIGKILL after 10 s; a zombie left unreaped counts as gone after 5 s more). */
async function halt(dir: string, pid: number): Promise<void> {
  const gone = async (ms: number) => {
    for (const deadline = Date.now() + ms; alive(pid) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    return !alive(pid);
  };
  execFileSync('bash', [SCRIPT, 'stop', dir]);
  if (await gone(10_000)) return;
  process.kill(pid, 'SIGKILL');
  await gone(5_000);
}

async function ping(url: string, ms = 15_000): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    try {
      if ((await fetch(`${url}/ping`)).status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`influxd at ${url} did not answer /ping within ${ms} ms`);
}

/** InfluxQL that changes things goes by POST (CREATE DATABASE ...). */
export async function influxQl(url: string, q: string, db?: string): Promise<unknown> {
  const body = new URLSearchParams({ q, ...(db ? { db } : {}) });
  const res = await fetch(`${url}/query`, { method: 'POST', body });
  const json = (await res.json()) as { results?: { error?: string }[]; error?: string };
  const error = json.error ?? json.results?.find((r) => r.error)?.error;
  if (!res.ok || error) throw new Error(`InfluxQL "${q}" failed: ${error ?? res.status}`);
  return json;
}

export async function startInfluxDb(database = 'qala'): Promise<RunningInfluxDb> {
  const dir = mkdtempSync(join(tmpdir(), 'qala-influxdb-'));
  const port = await freePort();
  const rpc = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  const launch = async () => {
    const pid = Number(execFileSync('bash', [SCRIPT, 'start', String(port), dir, String(rpc)], { encoding: 'utf8' }).trim());
    await ping(serverUrl);
    return pid;
  };
  let pid: number;
  try {
    pid = await launch();
    await influxQl(serverUrl, `CREATE DATABASE "${database}"`);
  } catch (err) {
    execFileSync('bash', [SCRIPT, 'stop', dir]);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const front = await startV2Compat(serverUrl);
  const running: RunningInfluxDb = {
    url: front.url,
    serverUrl,
    database,
    writes: front.writes,
    pid,
    dir,
    async restart() {
      running.pid = await launch();
      return running.pid;
    },
    async stop() {
      await halt(dir, running.pid);
      await front.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return running;
}
