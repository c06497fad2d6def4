// The fault-injection suite: one `qala start` child per fault, a device publishing a
// numbered stream of QoS 1 readings (mqtt.js resends what was not acknowledged when
// it reconnects), the fault injected a third of the way in and cleared at two
// thirds. For each fault it reports what was acknowledged, stored (counted distinct
// in the store after a clean stop), lost (acknowledged but not stored: must be 0),
// duplicated, the longest wait for an acknowledgement and the time from the fault's
// end to the next acknowledgement. The README's reliability section lists a run.
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { influxQl } from '../../infra/influxdb.ts';
import { freePort } from '../../infra/mosquitto.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/auth.ts';
import { canMount, fill, tinyDisk } from '../helpers/disk.ts';
import { influxdbAvailable, startInfluxDb, type TestInfluxDb } from '../helpers/influxdb.ts';
import { gatewayLogin } from '../helpers/mqtt.ts';
import { tempDir } from '../helpers/platform.ts';
import { spawnQala, type QalaProcess } from '../helpers/qala.ts';
import { hold } from '../helpers/resources.ts';
import { waitFor } from '../helpers/wait.ts';

const RATE = 200; // messages a second
const SECONDS = 4.5;
const DEVICE = 'wp-fault-1';
const TOPIC = `city/temirtau/utilities/old-town/water-pressure/${DEVICE}/telemetry`;

interface Ctx {
  dataDir: string;
  mqttPort: number;
  httpPort: number;
  proc: QalaProcess;
  /** the platform again on the same ports and data (after a kill) */
  start(): Promise<void>;
  state: Record<string, unknown>;
}

interface FaultCase {
  name: string;
  /** what it models */
  what: string;
  env?: Record<string, string>;
  ulimit?: number;
  available?: () => boolean;
  /** may return settings the platform starts with */
  before?(ctx: Ctx): Promise<Record<string, string> | void>;
  inject(ctx: Ctx): Promise<void>;
  clear(ctx: Ctx): Promise<void>;
  /** distinct and total rows of the device's readings, after the platform stopped */
  count?(ctx: Ctx): Promise<{ distinct: number; rows: number }>;
}

interface Report {
  fault: string;
  published: number;
  acknowledged: number;
  stored: number;
  lost: number;
  duplicated: number;
  longestAckWaitMs: number;
  recoveryMs: number;
}

const reports: Report[] = [];

async function countInDuckDb(ctx: Ctx): Promise<{ distinct: number; rows: number }> {
  const db = await DuckDBInstance.create(join(ctx.dataDir, 'qala.duckdb'));
  try {
    const conn = await db.connect();
    const row = (await conn.runAndReadAll(`SELECT count(DISTINCT ts_ms) AS d, count(*) AS n FROM readings WHERE device_id = '${DEVICE}'`)).getRowObjectsJS()[0]!;
    conn.closeSync();
    return { distinct: Number(row.d), rows: Number(row.n) };
  } finally {
    db.closeSync();
  }
}

async function run(c: FaultCase): Promise<Report> {
  const dataDir = await tempDir();
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const env: Record<string, string> = {
    QALA_DATA_DIR: dataDir, QALA_HTTP_HOST: '127.0.0.1', QALA_MQTT_HOST: '127.0.0.1', QALA_HTTP_PORT: String(httpPort), QALA_MQTT_PORT: String(mqttPort),
    QALA_SIMULATE: 'false', QALA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, QALA_LOG_FORMAT: 'json', ...c.env,
  };
  const ctx: Ctx = {
    dataDir, mqttPort, httpPort, state: {},
    proc: undefined as unknown as QalaProcess,
    start: async () => {
      ctx.proc = c.ulimit
        ? spawnQala(['-c', `ulimit -n ${c.ulimit} && exec "$0" "$1" start`, process.execPath, QALA_BIN], env, { command: 'bash' })
        : spawnQala(['start'], env);
      await ctx.proc.waitForOutput(/Qala is up|dashboard http:\/\/localhost:\d+/, 'the platform to start');
    },
  };
  Object.assign(env, (await c.before?.(ctx)) ?? {});
  await ctx.start();

  const device: MqttClient = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { protocolVersion: 4, ...gatewayLogin(dataDir, 'faults'), clientId: 'faults-publisher', clean: false, reconnectPeriod: 100 });
  hold('fault publisher', () => device.endAsync(true));
  await new Promise((r) => device.once('connect', r));

  const t0 = Date.now() - 3_600_000;
  const total = RATE * SECONDS;
  const sentAt: number[] = [];
  const ackedAt: number[] = [];
  const acks: Promise<unknown>[] = [];
  let clearedAt = 0;
  const faults = (async () => {
    await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 3));
    await c.inject(ctx);
    await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 3));
    await c.clear(ctx);
    clearedAt = Date.now();
  })();
  for (let i = 0; i < total; i++) {
    sentAt[i] = Date.now();
    acks.push(device.publishAsync(TOPIC, JSON.stringify({ ts: t0 + i * 1000, metrics: { pressure: 3.5 }, seq: i }), { qos: 1 }).then(() => (ackedAt[i] = Date.now())));
    if (i % 20 === 19) await new Promise((r) => setTimeout(r, (20 * 1000) / RATE));
  }
  await faults;
  await waitFor(async () => ((await Promise.race([Promise.all(acks).then(() => true), new Promise((r) => setTimeout(() => r(false), 500))])) ? true : undefined), `every publish of "${c.name}" acknowledged`, 60_000);
  await device.endAsync();
  // everything acknowledged is in the store once the platform has stopped cleanly
  const stopped = await ctx.proc.stop('SIGTERM');
  expect(stopped.code).toBe(0);
  const { distinct, rows } = await (c.count ?? countInDuckDb)(ctx);
  const acknowledged = ackedAt.filter((t) => t !== undefined).length;
  const afterClear = ackedAt.filter((t) => t >= clearedAt);
  const report: Report = {
    fault: c.name,
    published: total,
    acknowledged,
    stored: distinct,
    lost: Math.max(0, acknowledged - distinct),
    duplicated: rows - distinct,
    longestAckWaitMs: Math.max(...ackedAt.map((t, i) => t - sentAt[i]!)),
    recoveryMs: afterClear.length > 0 ? Math.min(...afterClear) - clearedAt : 0,
  };
  reports.push(report);
  return report;
}

const QALA_BIN = new URL('../../bin/qala.mjs', import.meta.url).pathname;

let influx: TestInfluxDb | undefined;
const cases: FaultCase[] = [
  {
    name: 'kill -9 and restart',
    what: 'the platform process killed mid-stream, started again on the same data',
    inject: async (ctx) => {
      await ctx.proc.stop('SIGKILL');
    },
    clear: (ctx) => ctx.start(),
  },
  {
    name: 'disk full under the spool',
    what: 'the spool directory on a 256 KiB tmpfs, filled by a ballast file, then emptied',
    available: canMount,
    before: async (ctx) => tinyDisk(join(ctx.dataDir, 'spool'), 256 * 1024),
    inject: async (ctx) => {
      // kept full: the spool frees space as the store takes its segments, so the ballast takes it back
      const ballast = join(ctx.dataDir, 'spool', 'ballast');
      const topUp = () => void fill(ballast);
      topUp();
      ctx.state.topUp = setInterval(topUp, 20);
    },
    clear: async (ctx) => {
      clearInterval(ctx.state.topUp as NodeJS.Timeout);
      rmSync(join(ctx.dataDir, 'spool', 'ballast'));
    },
  },
  {
    name: 'out of file descriptors',
    what: 'ulimit -n 400; idle connections flood the MQTT port past the budget, then close',
    ulimit: 400,
    env: { QALA_MAX_HTTP_CONNECTIONS: '64' },
    inject: async (ctx) => {
      const sockets: Socket[] = [];
      for (let i = 0; i < 300; i++) {
        const s = connect(ctx.mqttPort, '127.0.0.1');
        s.on('error', () => {});
        sockets.push(s);
      }
      ctx.state.sockets = sockets;
      hold('flood sockets', () => sockets.forEach((s) => s.destroy()));
    },
    clear: async (ctx) => (ctx.state.sockets as Socket[]).forEach((s) => s.destroy()),
  },
  {
    name: 'slow consumer',
    what: 'a "#" subscriber (the admin) that stops reading its socket',
    inject: async (ctx) => {
      const slow = mqtt.connect(`mqtt://127.0.0.1:${ctx.mqttPort}`, { protocolVersion: 4, username: 'admin', password: TEST_ADMIN_PASSWORD, reconnectPeriod: 0 });
      hold('slow consumer', () => slow.endAsync(true));
      await new Promise((r) => slow.once('connect', r));
      await slow.subscribeAsync('#', { qos: 1 });
      slow.stream.pause();
      ctx.state.slow = slow;
    },
    clear: async (ctx) => {
      (ctx.state.slow as MqttClient).end(true);
    },
  },
  {
    name: 'InfluxDB outage',
    what: 'QALA_STORE=influxdb; influxd killed (-9) mid-stream, started again',
    available: () => influxdbAvailable(),
    before: async (ctx) => {
      influx ??= await startInfluxDb('faults');
      const cfg = await influx.fresh(`faults_${Date.now()}`);
      ctx.state.bucket = cfg.influxBucket;
      return { QALA_STORE: 'influxdb', QALA_INFLUX_URL: cfg.influxUrl, QALA_INFLUX_BUCKET: cfg.influxBucket };
    },
    inject: async () => influx!.kill(),
    clear: async () => influx!.restart(),
    count: async (ctx) => {
      // a point rewritten with the same time and tags replaces itself: duplicates cannot be told here
      const j = (await influxQl(influx!.serverUrl, `SELECT count("pressure") FROM "water-pressure" WHERE "device" = '${DEVICE}'`, String(ctx.state.bucket))) as { results: { series?: { values: [string, number][] }[] }[] };
      const n = j.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
      return { distinct: n, rows: n };
    },
  },
];

describe('fault injection', () => {
  afterAll(() => {
    if (reports.length === 0) return;
    const lines = [
      '| fault | published | acknowledged | stored | lost | duplicated | longest wait for an ack | from the fault\'s end to the next ack |',
      '|---|---|---|---|---|---|---|---|',
      ...reports.map((r) => `| ${r.fault} | ${r.published} | ${r.acknowledged} | ${r.stored} | ${r.lost} | ${r.duplicated} | ${(r.longestAckWaitMs / 1000).toFixed(1)} s | ${(r.recoveryMs / 1000).toFixed(2)} s |`),
    ];
    console.log(`\nfault injection (${RATE} msg/s for ${SECONDS} s, fault from ${SECONDS / 3} s to ${(2 * SECONDS) / 3} s):\n${lines.join('\n')}\n`);
  });

  for (const c of cases) {
    it.skipIf(c.available ? !c.available() : false)(`${c.name}: nothing acknowledged is lost (${c.what})`, async () => {
      const r = await run(c);
      expect(r.acknowledged).toBe(r.published);
      expect(r.lost).toBe(0);
      expect(r.stored).toBe(r.published);
    }, 120_000);
  }
});
