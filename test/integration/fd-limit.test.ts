// Out of file descriptors: a `qala start` child under `ulimit -n 400`. The broker's
// connection limit is lowered below what the descriptors allow (less QALA_FD_RESERVE
// and QALA_MAX_HTTP_CONNECTIONS) and says so; a flood of idle connections is closed
// at accept past it, while /health keeps answering and the spool keeps its files;
// once connections close, a device connects and every reading it sends is
// acknowledged and stored. The process never exits.
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserStore } from '../../services/access/users.ts';
import { systemClock } from '../../services/clock.ts';
import { connectionBudget, openFilesLimit } from '../../services/fd-budget.ts';
import { createLogger } from '../../services/log.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/auth.ts';
import mqtt, { type MqttClient } from 'mqtt';
import { gatewayLogin } from '../helpers/mqtt.ts';
import { TEST_PASSWORD_COST, tempDir } from '../helpers/platform.ts';
import { spawnQala, type QalaProcess } from '../helpers/qala.ts';
import { hold } from '../helpers/resources.ts';
import { waitFor } from '../helpers/wait.ts';

const QALA = fileURLToPath(new URL('../../bin/qala.mjs', import.meta.url));
const NOFILE = 400;
const HTTP = 64;
const RESERVE = 128;
const BUDGET = NOFILE - RESERVE - HTTP; // 208 MQTT connections

/**
 * The data dir's users, made before `qala start` by the platform's own UserStore at the
 * tests' password cost, and an admin API token to read the store with. A first start
 * would hash the admin's password at the production cost and the test's login check it
 * again: two 128 MiB scrypts of 2 s or more each on CI's busy cores, in a start-up the
 * test waits on, for nothing the file-descriptor budget has to do with.
 */
async function seedUsers(dataDir: string): Promise<string> {
  const users = new UserStore({ dataDir, clock: systemClock, log: createLogger('silent', 'json'), audit: { record: () => {} }, announce: () => {}, adminPassword: TEST_ADMIN_PASSWORD, passwordCost: TEST_PASSWORD_COST });
  await users.start();
  try {
    return (await users.createToken('admin', 'fd-limit test', { who: 'user:admin' })).token;
  } finally {
    await users.stop();
  }
}

/** `qala start` as a child of a shell that lowered its open-files limit first. */
async function startUnderUlimit(dataDir: string): Promise<{ proc: QalaProcess; http: number; mqtt: number; output: () => string }> {
  const proc = spawnQala(['-c', `ulimit -n ${NOFILE} && exec "$0" "$1" start`, process.execPath, QALA], {
    QALA_DATA_DIR: dataDir, QALA_HTTP_HOST: '127.0.0.1', QALA_MQTT_HOST: '127.0.0.1', QALA_HTTP_PORT: '0', QALA_MQTT_PORT: '0',
    QALA_SIMULATE: 'false', QALA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, QALA_MAX_HTTP_CONNECTIONS: String(HTTP), QALA_FD_RESERVE: String(RESERVE), QALA_LOG_FORMAT: 'json',
  }, { command: 'bash' });
  // tsx and the platform's imports alone take 8 s of a child's start at load 20 on two cores
  const m = await proc.waitForOutput(/dashboard http:\/\/localhost:(\d+) {2}MQTT mqtt:\/\/localhost:(\d+)/, 'the platform to start', 60_000);
  return { proc, http: Number(m[1]), mqtt: Number(m[2]), output: () => proc.stdout() + proc.stderr() };
}

/** One attempt: the client once connected, undefined when the broker closed the connection instead. */
function tryConnect(url: string, dataDir: string): Promise<MqttClient | undefined> {
  const client = mqtt.connect(url, { protocolVersion: 4, ...gatewayLogin(dataDir), reconnectPeriod: 0, connectTimeout: 5_000 });
  const held = hold(`MQTT client to ${url}`, () => client.endAsync(true));
  return new Promise((resolve) => {
    client.once('connect', () => resolve(client));
    client.once('close', () => {
      held.forget();
      client.end(true);
      resolve(undefined);
    });
  });
}

/** Idle TCP connections to the MQTT port (no CONNECT): what a flood or a leak looks like. */
async function idle(port: number, n: number): Promise<{ sockets: Socket[]; closed: () => number }> {
  let closed = 0;
  const sockets: Socket[] = [];
  await Promise.all(
    Array.from({ length: n }, () => new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1', () => resolve());
      s.on('error', () => resolve());
      s.on('close', () => closed++);
      sockets.push(s);
    })),
  );
  hold(`${n} idle sockets`, () => sockets.forEach((s) => s.destroy()));
  return { sockets, closed: () => closed };
}

describe('file descriptors', () => {
  it('reads the open-files limit and caps the connection limit below it', () => {
    expect(openFilesLimit('Limit   Soft Limit Hard Limit Units\nMax open files            1024                 524288               files\n')).toBe(1024);
    expect(openFilesLimit('Max open files            unlimited            unlimited            files\n')).toBeUndefined();
    expect(connectionBudget({ maxConnections: 10_000, fdReserve: 128, maxHttpConnections: 1024 }, 20_000)).toEqual({ maxConnections: 10_000 });
    expect(connectionBudget({ maxConnections: 10_000, fdReserve: 128, maxHttpConnections: 64 }, 400).maxConnections).toBe(208);
    expect(() => connectionBudget({ maxConnections: 10_000, fdReserve: 128, maxHttpConnections: 1024 }, 1024)).toThrow(/QALA_FD_RESERVE=128 and QALA_MAX_HTTP_CONNECTIONS=1024/);
  });

  it(`under ulimit -n ${NOFILE}: a flood of connections is cut at the budget, /health answers, and a device is served once some close`, async () => {
    const dataDir = await tempDir();
    const token = await seedUsers(dataDir);
    const p = await startUnderUlimit(dataDir);
    expect(p.output()).toContain(`QALA_MAX_CONNECTIONS=10000 lowered to ${BUDGET}`);
    expect(p.output()).not.toContain('First start'); // the seeded users were taken: no production-cost hash

    const flood = await idle(p.mqtt, BUDGET + 60);
    await waitFor(() => (flood.closed() >= 60 ? true : undefined), 'connections past the budget to be closed at accept');
    await new Promise((r) => setTimeout(r, 300));
    expect(flood.closed()).toBe(60);
    const health = await fetch(`http://127.0.0.1:${p.http}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');

    // while full, a device is refused too: that is the limit, and nothing breaks
    expect(await tryConnect(`mqtt://127.0.0.1:${p.mqtt}`, dataDir)).toBeUndefined();

    // connections close: a device gets in and every reading it sends is acknowledged and stored
    for (const s of flood.sockets.slice(0, 100)) s.destroy();
    const device = await waitFor(
      () => tryConnect(`mqtt://127.0.0.1:${p.mqtt}`, dataDir),
      'a device to connect once connections closed',
    );
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 50; i++) {
      await device.publishAsync('city/temirtau/utilities/old-town/water-pressure/wp-fd-1/telemetry', JSON.stringify({ ts: t0 + i * 1000, metrics: { pressure: 3.5 } }), { qos: 1 });
    }
    await device.endAsync();
    const headers = { authorization: `Bearer ${token}` };
    const stored = await waitFor(async () => {
      const j = (await (await fetch(`http://127.0.0.1:${p.http}/api/series?deviceId=wp-fd-1&metric=pressure&from=${t0}&to=${t0 + 60_000}&step=1m`, { headers })).json()) as { points: { count: number }[] };
      const n = j.points.reduce((a, b) => a + b.count, 0);
      return n >= 50 ? n : undefined;
    }, 'the 50 readings stored');
    expect(stored).toBe(50);
    expect(() => process.kill(p.proc.pid, 0)).not.toThrow(); // never exited
    expect((await p.proc.stop('SIGTERM')).code).toBe(0);
    expect(p.output()).not.toMatch(/EMFILE/);
  }, 120_000);
});
