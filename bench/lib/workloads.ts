// The benchmark workloads: bounded, on loopback, each returning numbers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import WebSocket from 'ws';
import { DEVICE_KINDS } from '../../devices/index.ts';
import { canPublish } from '../../services/access/acl.ts';
import { Guard } from '../../services/broker/guard.ts';
import type { LiveMessage, Principal, Reading } from '../../services/contracts/index.ts';
import { createLogger } from '../../services/log.ts';
import { RulesEngine } from '../../services/rules/engine.ts';
import { parseRules } from '../../services/rules/loader.ts';
import { DuckDbStore } from '../../services/store/duckdb-store.ts';
import { InfluxDbStore } from '../../services/store/influxdb-store.ts';
import { influxdInstalled, startInfluxDb } from '../../infra/influxdb.ts';
import { createSimClock } from '../../simulator/clock.ts';
import type { SimMessage } from '../../simulator/feed.ts';
import { Fleet } from '../../simulator/fleet.ts';
import { cpuMicros, runSimulator, sampleResources, type MqttLogin, type PlatformProc } from './processes.ts';
import { progressed } from './progress.ts';

// a day ago: device timestamps the platform takes as live (readings dated ahead of its clock are dead-lettered)
const TS = Date.now() - 86_400_000;

/** A bench client, with Nagle off as the simulator's are: a held small write costs tens of ms. */
export async function connect(url: string, login: (MqttLogin & { clientId?: string }) | undefined): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ...login });
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  client.on('packetreceive', progressed); // a PUBACK, a delivery: the watchdog's progress
  return client;
}

const waterTopic = (c: number, i: number) => `city/temirtau/utilities/d${c}/water-pressure/wp-b${c}-${i % 1000}/telemetry`;
const waterPayload = (i: number) => JSON.stringify({ ts: TS + i, metrics: { pressure: 3 + (i % 10) / 10, flow: 100 + (i % 7) } });

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export function percentiles(xs: number[]): { p50: number; p99: number; max: number; n: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN, n: s.length };
}

/**
 * 1. Devices publish QoS 1 as fast as the broker acknowledges; readings/s until all are
 * stored, and the CPU time the platform (and an external broker, `brokerPids`) spent
 * per stored reading over the same span, /health polls included.
 */
export async function throughput(p: PlatformProc, total: number, brokerPids: number[] = [], connections = 8) {
  const clients = await Promise.all(Array.from({ length: connections }, (_, i) => connect(p.mqttUrl, p.simulator?.gateway(`bench-${i}`))));
  const before = (await p.health()).store.written as number;
  const cpu0 = { platform: cpuMicros([p.pid]), broker: cpuMicros(brokerPids) };
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c, ci) => {
      let inflight = 0;
      const per = Math.floor(total / connections);
      for (let i = 0; i < per; i++) {
        while (inflight >= 1000) await new Promise((r) => setImmediate(r));
        inflight++;
        c.publish(waterTopic(ci, i), waterPayload(i), { qos: 1 }, () => inflight--);
      }
      while (inflight > 0) await new Promise((r) => setTimeout(r, 2));
    }),
  );
  const sent = Math.floor(total / connections) * connections;
  let stored = 0;
  await waitFor(async () => {
    stored = ((await p.health()).store.written as number) - before;
    return stored >= sent;
  }, 120_000);
  const seconds = (performance.now() - t0) / 1000;
  const platformUs = cpuMicros([p.pid]) - cpu0.platform;
  const brokerUs = cpuMicros(brokerPids) - cpu0.broker;
  await Promise.all(clients.map((c) => c.endAsync()));
  const perReading = (us: number) => Math.round((us / Math.max(1, stored)) * 10) / 10;
  return {
    readingsPerS: Math.round(sent / seconds),
    sent,
    stored,
    lossless: stored === sent,
    platformCpuUsPerReading: perReading(platformUs),
    withBrokerCpuUsPerReading: perReading(platformUs + brokerUs),
  };
}

/**
 * 2a. MQTT delivery: the simulator's own fleet (4 multiplexed connections, paced in
 * 20 ms ticks like `qala simulate`) publishes `rate` readings/s; a subscriber times
 * each one from the moment the fleet hands it to mqtt.js to its arrival. Broker and
 * sockets only, no coalescing: where Nagle's algorithm shows.
 */
export async function delivery(p: PlatformProc, brokerUrl: string, rate: number, seconds: number) {
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const topic = (i: number) => `city/temirtau/utilities/bench/water-pressure/wp-dl-${i % 64}/telemetry`;
  const sub = await connect(brokerUrl, p.admin);
  await sub.subscribeAsync('city/temirtau/utilities/bench/water-pressure/+/telemetry', { qos: 1 });
  sub.on('message', (_t, payload) => {
    const t = sentAt[(JSON.parse(payload.toString()) as { seq: number }).seq];
    if (t !== undefined) latencies.push(performance.now() - t);
  });
  const start = Date.now() + 500; // first message once the fleet is connected
  const end = start + seconds * 1000;
  function* messages(): Generator<SimMessage> {
    for (let i = 0; ; i++) {
      const at = start + Math.floor((i * 1000) / rate);
      if (at >= end) return;
      const text = JSON.stringify({ ts: at, metrics: { pressure: 3.5, flow: 120 }, seq: i });
      // the fleet reads the payload once, right before it publishes: that is the send time
      yield { at, topic: topic(i), retain: false, deviceId: `wp-dl-${i % 64}`, type: 'telemetry', get payload() { sentAt[i] = performance.now(); return text; } };
    }
  }
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const fleet = new Fleet({
    brokerUrl,
    town: 'temirtau',
    feed: { devices: [], messages, stats: { faults: 0 } },
    clock: createSimClock({ start, speed: 1 }),
    connections: 4,
    log: createLogger('warn', 'json', 'bench-fleet'),
    ...(p.simulator ? { credentials: p.simulator } : {}),
    onFinished: finished,
  });
  await fleet.start();
  await done;
  await fleet.drain();
  const sent = sentAt.length;
  await waitFor(async () => latencies.length >= sent, 5_000);
  await fleet.stop();
  await sub.endAsync();
  return { rate, sent, received: latencies.length, ...percentiles(latencies) };
}

/** A steady background load at `rate` readings/s over a few connections. */
async function backgroundLoad(p: PlatformProc, rate: number): Promise<{ stop(): Promise<number> }> {
  const clients = await Promise.all(Array.from({ length: 4 }, (_, i) => connect(p.mqttUrl, p.simulator?.gateway(`bench-load-${i}`))));
  let sent = 0;
  const t0 = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate) - sent;
    for (let k = 0; k < due; k++, sent++) clients[sent % clients.length]!.publish(waterTopic(sent % 4, sent), waterPayload(sent), { qos: 1 });
  }, 5);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(clients.map((c) => c.endAsync()));
      return Math.round(sent / ((performance.now() - t0) / 1000));
    },
  };
}

/**
 * A probe: one air station publishes pm25 = a code every 20 ms; a /live client sees
 * the environment tile's max pm25 change to that code. Publish → on-screen latency,
 * including the live hub's coalescing interval.
 */
async function probe(p: PlatformProc): Promise<{ sentAt: Map<number, number>; stop(): Promise<void>; client: MqttClient }> {
  const client = await connect(p.mqttUrl, p.simulator?.gateway('bench-probe'));
  const sentAt = new Map<number, number>();
  let i = 0;
  const timer = setInterval(() => {
    const code = 100 + (i++ % 4800);
    sentAt.set(code, performance.now() + performance.timeOrigin);
    client.publish('city/temirtau/environment/aktau/air-station/aq-probe/telemetry', JSON.stringify({ ts: TS + i, metrics: { pm25: code } }), { qos: 1 });
  }, 20);
  return { sentAt, client, stop: async () => (clearInterval(timer), await client.endAsync()) };
}

async function liveClient(p: PlatformProc, sentAt: Map<number, number>, latencies: number[]): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${p.http}/live`, { headers: await p.session() });
  let last = -1;
  ws.on('message', (data) => {
    progressed();
    const m = JSON.parse(data.toString()) as LiveMessage;
    const code = m.subsystems.environment?.kinds['air-station']?.metrics.pm25?.value;
    if (code === undefined || code === last) return;
    last = code;
    const t = sentAt.get(code);
    if (t !== undefined) latencies.push(performance.now() + performance.timeOrigin - t);
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** 2. End-to-end latency at a fixed background rate: publish → /live. */
export async function latency(p: PlatformProc, rate: number, seconds: number) {
  const load = await backgroundLoad(p, rate);
  const pr = await probe(p);
  const latencies: number[] = [];
  const ws = await liveClient(p, pr.sentAt, latencies);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  ws.close();
  await pr.stop();
  const achieved = await load.stop();
  return { rate, achievedRate: achieved, ...percentiles(latencies) };
}

/** 4. 200 dashboard clients, optionally one that never reads: the others' latency. */
export async function fanout(p: PlatformProc, clients: number, withSlow: boolean, seconds: number) {
  const pr = await probe(p);
  const latencies: number[] = [];
  // the dashboards connect before the load starts: on a loaded machine a platform
  // already behind on 2,000 readings/s left upgrades unanswered past node's 60 s
  // headersTimeout (HTTP 408)
  const sockets = await Promise.all(Array.from({ length: clients - (withSlow ? 1 : 0) }, () => liveClient(p, pr.sentAt, latencies)));
  if (withSlow) {
    const slow = await liveClient(p, pr.sentAt, []);
    (slow as unknown as { _socket: { pause(): void } })._socket.pause(); // reads nothing from now on
    sockets.push(slow);
  }
  const load = await backgroundLoad(p, 2000);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const health = await p.health();
  for (const s of sockets) s.terminate();
  await pr.stop();
  await load.stop();
  return { clients, slowClient: withSlow, skippedSlow: health.live.skippedSlow as number, ...percentiles(latencies) };
}

/** 5. The platform (and its broker) under a simulated town of `scale` × Temirtau. */
export async function scale(p: PlatformProc, extraPids: number[], simBroker: string, scaleFactor: number, seconds: number) {
  const sim = runSimulator([...(p.keyFile ? ['--key-file', p.keyFile] : []), '--broker', simBroker, '--town', 'temirtau', '--scale', String(scaleFactor), '--connections', '16', '--duration', `${seconds}s`, '--fault-rate', '0', '--interval', '10s']);
  // sample once the births are through, over the steady state
  await new Promise((r) => setTimeout(r, Math.min(10, seconds / 4) * 1000));
  const sampler = sampleResources([p.pid, ...extraPids]);
  const summary = await sim.done;
  const res = sampler.stop();
  return { devices: summary.devices!, readingsPerS: Math.round(summary.readings! / seconds), simMaxLagMs: summary.maxLagMs!, ...res };
}

/** 3. Rules cost per reading, with n rules spread over every kind or all on other kinds. */
export function rulesCost(n: number, spread: 'all-kinds' | 'other-kinds', readings = 200_000): { rules: number; spread: string; nsPerReading: number } {
  const kinds = DEVICE_KINDS.map((k) => k.id);
  const rules = Array.from({ length: n }, (_, i) => {
    const kind = spread === 'all-kinds' ? DEVICE_KINDS[i % DEVICE_KINDS.length]! : DEVICE_KINDS.find((k) => k.id === 'heat-substation')!;
    const metric = Object.keys(kind.metrics)[0]!;
    return `  - id: r-${i}\n    title: R${i}\n    severity: minor\n    match: { kinds: [${kind.id}] }\n    when: { threshold: { metric: ${metric}, above: ${1e6 + i}, clear: ${1e6 + i - 1} } }\n    for: 1m`;
  });
  const engine = new RulesEngine({ onSignal: () => undefined });
  engine.setRules(parseRules(`rules:\n${rules.join('\n')}`, 'bench.yaml'));
  const pool: Reading[] = [];
  for (let d = 0; d < 2000; d++) {
    const kind = spread === 'all-kinds' ? DEVICE_KINDS[d % DEVICE_KINDS.length]! : DEVICE_KINDS.find((k) => k.id === 'water-pressure')!;
    const metrics = Object.fromEntries(Object.keys(kind.metrics).map((m) => [m, 1]));
    pool.push({ town: 'temirtau', subsystem: kind.subsystem, district: `d${d % 6}`, kind: kind.id, deviceId: `dev-${d}`, ts: TS, receivedAt: TS, metrics });
  }
  for (let i = 0; i < 20_000; i++) engine.handle({ ...pool[i % pool.length]!, ts: TS + i }); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < readings; i++) {
    const r = pool[i % pool.length]!;
    r.ts = TS + 20_000 + i;
    r.receivedAt = r.ts;
    engine.handle(r);
  }
  const ns = Number(process.hrtime.bigint() - t0) / readings;
  void kinds;
  return { rules: n, spread, nsPerReading: Math.round(ns) };
}

/** 7. DuckDB store: readings written per second in batches of 5,000. */
export async function storeWrite(total: number): Promise<{ readingsPerS: number; rowsPerS: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'qala-bench-duckdb-'));
  const store = new DuckDbStore({ dataDir: dir });
  await store.start();
  const batch: Reading[] = Array.from({ length: 5000 }, (_, i) => ({ town: 'temirtau', subsystem: 'utilities', district: `d${i % 6}`, kind: 'water-pressure', deviceId: `wp-${i % 1000}`, ts: TS + i, receivedAt: TS + i, metrics: { pressure: 3.1, flow: 120 } }));
  const t0 = performance.now();
  for (let n = 0; n < total; n += batch.length) await store.write(batch);
  const s = (performance.now() - t0) / 1000;
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
  return { readingsPerS: Math.round(total / s), rowsPerS: Math.round((total * 2) / s) };
}

/**
 * 7b. The same store write on InfluxDB, measured in the same run: Debian's influxd
 * (1.6, infra/influxdb.ts, its files in a temp dir) behind the small front that maps
 * the client's /api/v2/write onto /write (one extra loopback hop, counted in the
 * figure). Batches of 5,000 readings (two metrics each) through the adapter: the
 * official client, gzip, each batch acknowledged (204, fsynced WAL) before the next,
 * as the store writer does. Every batch gets new timestamps, so every point is new
 * (InfluxDB would overwrite a point of the same series and time). Undefined when
 * influxd is not installed.
 */
export async function storeWriteInflux(total: number): Promise<{ readingsPerS: number } | undefined> {
  if (!influxdInstalled()) return undefined;
  const db = await startInfluxDb('bench');
  try {
    const store = new InfluxDbStore({ url: db.url, bucket: db.database, timeoutMs: 60_000 });
    await store.start();
    const batch: Reading[] = Array.from({ length: 5000 }, (_, i) => ({ town: 'temirtau', subsystem: 'utilities', district: `d${i % 6}`, kind: 'water-pressure', deviceId: `wp-${i % 1000}`, ts: TS + i, receivedAt: TS + i, metrics: { pressure: 3.1, flow: 120 } }));
    const t0 = performance.now();
    for (let n = 0; n < total; n += batch.length) {
      for (let i = 0; i < batch.length; i++) batch[i]!.ts = TS + n + i;
      await store.write(batch);
    }
    const s = (performance.now() - t0) / 1000;
    await store.stop();
    return { readingsPerS: Math.round(total / s) };
  } finally {
    await db.stop();
  }
}

/**
 * 8. Authorisation on the hot path: what the broker's guard costs per publish, for a
 * device (its topic cached on the connection after the first check) and for a gateway
 * publishing for many devices (more topics than the per-connection cache holds, so
 * most checks run the ACL itself), against the bare ACL decision.
 */
export async function aclCost(checks = 500_000): Promise<{ deviceCachedNs: number; gatewayNs: number; aclNs: number }> {
  const silent = pino({ level: 'silent' });
  const acl = { town: 'temirtau', isRegistered: () => false };
  const devP: Principal = { type: 'device', town: 'temirtau', deviceId: 'wp-1', kind: 'water-pressure', subsystem: 'utilities', district: 'old-town' };
  const gwP: Principal = { type: 'gateway', town: 'temirtau', name: 'mux-0', group: 'simulator', simulator: true };
  const guard = new Guard({ access: { authenticate: async (u) => ({ principal: u === 'dev' ? devP : gwP, via: 'secret' }) }, acl, audit: { record() {} }, log: silent });
  const device = { id: 'wp-1' } as unknown as Client;
  const gateway = { id: 'gw' } as unknown as Client;
  guard.connected(device, '127.0.0.1');
  guard.connected(gateway, '127.0.0.1');
  await new Promise<void>((r) => guard.authenticate(device, 'dev', Buffer.from('x'), () => r()));
  await new Promise<void>((r) => guard.authenticate(gateway, 'gw', Buffer.from('x'), () => r()));
  const own = 'city/temirtau/utilities/old-town/water-pressure/wp-1/telemetry';
  const many = Array.from({ length: 2000 }, (_, i) => `city/temirtau/utilities/d${i % 6}/water-pressure/wp-${i}/telemetry`);
  const time = (fn: (i: number) => void) => {
    for (let i = 0; i < 20_000; i++) fn(i); // warm up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < checks; i++) fn(i);
    return Math.round(Number(process.hrtime.bigint() - t0) / checks);
  };
  const packet = { topic: own, payload: Buffer.alloc(0), retain: false, qos: 1 };
  const deviceCachedNs = time(() => {
    packet.topic = own;
    guard.admitPublish(device, packet);
  });
  const gatewayNs = time((i) => {
    packet.topic = many[i % many.length]!;
    guard.admitPublish(gateway, packet);
  });
  const aclNs = time((i) => void canPublish(gwP, many[i % many.length]!, acl));
  return { deviceCachedNs, gatewayNs, aclNs };
}
