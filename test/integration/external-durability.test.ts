// With an external broker, the platform acknowledges a device's QoS 1 reading to the
// broker only once it is durable: kill -9 the platform mid-stream against Debian's
// Mosquitto (persistent session), start it again, and every reading the broker
// accepted is stored, none lost (at-least-once: a reading may be stored twice, and
// is counted once here).
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../infra/mosquitto.ts';
import { login, TEST_ADMIN_PASSWORD } from '../helpers/auth.ts';
import { mosquittoAvailable, startMosquitto } from '../helpers/mosquitto.ts';
import { connectMqtt } from '../helpers/mqtt.ts';
import { tempDir } from '../helpers/platform.ts';
import { spawnHeld } from '../helpers/resources.ts';
import { waitFor } from '../helpers/wait.ts';

const QALA = fileURLToPath(new URL('../../bin/qala.mjs', import.meta.url));
const T0 = Date.UTC(2026, 0, 15, 6);
const DEVICES = 4;
const PER_DEVICE = 500;
const topic = (d: number) => `city/temirtau/utilities/old-town/water-pressure/ext-${d}/telemetry`;

function startQala(env: Record<string, string>): ChildProcess {
  return spawnHeld(process.execPath, [QALA, 'start'], {
    env: { PATH: process.env.PATH, QALA_HTTP_HOST: '127.0.0.1', QALA_MQTT_HOST: '127.0.0.1', QALA_SIMULATE: 'false', QALA_LOG_LEVEL: 'warn', QALA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)));

async function health(port: number): Promise<{ intake: { admitted: number }; store: { written: number } } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    return res.ok ? ((await res.json()) as { intake: { admitted: number }; store: { written: number } }) : undefined;
  } catch {
    return undefined;
  }
}

describe.runIf(mosquittoAvailable())('platform on an external broker, killed mid-stream', () => {
  it('loses no reading the broker acknowledged to a device through kill -9 and restart', async () => {
    // every resource here is released by the helpers when the test ends, failed or not
    const mosquitto = await startMosquitto();
    const dataDir = await tempDir();
    const device = await connectMqtt(mosquitto.url, { clientId: 'ext-device' });
    const httpPort = await freePort();
    const env = { QALA_BROKER_URL: mosquitto.url, QALA_DATA_DIR: dataDir, QALA_HTTP_PORT: String(httpPort) };
    const first = startQala(env);
    await waitFor(() => health(httpPort), 'the platform to start', 30_000);

    // four devices publish QoS 1; each publish resolves when Mosquitto acknowledged it
    let acked = 0;
    let killed = false;
    const publishing = Array.from({ length: DEVICES }, async (_, d) => {
      for (let i = 0; i < PER_DEVICE; i++) {
        await device.publishAsync(topic(d), JSON.stringify({ ts: T0 + i * 1000, metrics: { pressure: 4 + i / 1000 } }), { qos: 1 });
        acked++;
        if (!killed && acked >= (DEVICES * PER_DEVICE) / 3 && ((await health(httpPort))?.intake.admitted ?? 0) > 0) {
          killed = true;
          first.kill('SIGKILL'); // mid-stream, with readings spooled, in flight and unacknowledged
        }
      }
    });
    await Promise.all(publishing);
    expect(killed).toBe(true);
    expect(acked).toBe(DEVICES * PER_DEVICE);
    await exited(first);

    // the broker kept what the platform had not acknowledged; the spool has the rest
    const second = startQala(env);
    await waitFor(async () => ((await health(httpPort))?.store.written ?? 0) > 0 || undefined, 'the second run to store', 30_000);
    const admin = await login(`http://127.0.0.1:${httpPort}`, 'admin', TEST_ADMIN_PASSWORD);
    await waitFor(async () => {
      const h = await health(httpPort);
      const series = await Promise.all(
        Array.from({ length: DEVICES }, (_, d) =>
          fetch(`http://127.0.0.1:${httpPort}/api/series?deviceId=ext-${d}&metric=pressure&from=${T0}&to=${T0 + PER_DEVICE * 1000}&step=1d`, { headers: admin.headers }).then((r) => r.json() as Promise<{ points: { count: number }[] }>),
        ),
      );
      const distinctAtLeast = series.every((s) => s.points.reduce((n, p) => n + p.count, 0) >= PER_DEVICE);
      if (process.env.DEBUG_EXT) console.log(JSON.stringify({ intake: h?.intake, store: h?.store, counts: series.map((s) => s.points.reduce((n, p) => n + p.count, 0)) }));
      return h && distinctAtLeast;
    }, 'every acknowledged reading in the store', 60_000);
    second.kill('SIGTERM');
    await exited(second);

    const db = await DuckDBInstance.create(join(dataDir, 'qala.duckdb'));
    const conn = await db.connect();
    const rows = (await conn.runAndReadAll(`SELECT device_id, count(DISTINCT ts_ms)::INTEGER AS n FROM readings WHERE metric = 'pressure' GROUP BY device_id ORDER BY device_id`)).getRowObjects();
    conn.closeSync();
    db.closeSync();
    expect(rows).toEqual(Array.from({ length: DEVICES }, (_, d) => ({ device_id: `ext-${d}`, n: PER_DEVICE })));
  }, 120_000);
});
