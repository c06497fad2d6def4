// The walking skeleton end to end with real parts: aedes over TCP and websocket,
// a real mqtt.js client, the store (the DuckDB file, and a real influxd where
// Debian's influxdb is installed), the HTTP API and a real /live websocket.
import type { MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../services/config.ts';
import type { LiveMessage } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { client, loginAs, type Login } from '../helpers/auth.ts';
import { connectDevice, connectMqtt, connectWatcher, gatewayLogin } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { hold } from '../helpers/resources.ts';
import { storeCases } from '../helpers/stores.ts';
import { waitFor } from '../helpers/wait.ts';

const TOPIC = 'city/temirtau/utilities/old-town/water-pressure/wp-it-1/telemetry';
const T0 = Date.UTC(2026, 10, 22, 6, 0);

const STORES = storeCases();

// Every test gets a platform of its own, so each passes alone and in any order; the
// helpers stop it and delete its data dir when the test ends.
describe.each(STORES)('pipeline on $name: device → broker → ingest → store, API, live hub, dead letters', (store) => {
  let dataDir: string;
  let config: Config;
  let platform: Platform;
  let device: MqttClient;
  let liveMessages: LiveMessage[];
  let deadLetters: { reason: string; detail: string; topic: string; payload: string }[];
  /** the control room reads, as a viewer */
  let viewer: Login;
  const api = (path: string) => client(platform, viewer)(path);
  /** The water-pressure point's first two readings: 3.8 bar then 3.6 bar. */
  const publishTwoReadings = async () => {
    await device.publishAsync(TOPIC, JSON.stringify({ ts: T0, metrics: { pressure: 3.8, flow: 140 } }), { qos: 1 });
    await device.publishAsync(TOPIC, JSON.stringify({ ts: T0 + 30_000, metrics: { pressure: 3.6, flow: 150 } }), { qos: 1 });
  };

  beforeAll(async () => {
    await store.settings(); // one influxd for the file, started before the first test's clock runs
  });

  beforeEach(async () => {
    liveMessages = [];
    deadLetters = [];
    dataDir = await tempDir();
    config = testConfig(dataDir, await store.settings());
    platform = await startPlatform(config);
    viewer = await loginAs(platform, 'viewer');
    device = await connectDevice(platform, { clientId: 'it-device' });
    const watcher = await connectWatcher(platform);
    watcher.on('message', (_t, p) => deadLetters.push(JSON.parse(p.toString())));
    await watcher.subscribeAsync('city/temirtau/deadletter', { qos: 1 });
    const live = new WebSocket(`ws://127.0.0.1:${platform.httpPort}/live`, { headers: viewer.headers });
    hold('/live websocket', () => live.close());
    live.on('message', (d) => liveMessages.push(JSON.parse(d.toString()) as LiveMessage));
    await new Promise((r) => live.once('open', r));
  });

  it('stores a published reading and serves it from /api/series', async () => {
    await publishTwoReadings();
    const body = await waitFor(async () => {
      const res = await api(`/api/series?deviceId=wp-it-1&metric=pressure&from=${T0 - 60_000}&to=${T0 + 60_000}&step=1m`);
      const json = (await res.json()) as { points: { t: number; avg: number; min: number; max: number; count: number }[] };
      return json.points.length > 0 && json.points[0]!.count === 2 ? json : undefined;
    }, 'both readings in /api/series');
    expect(body.points).toEqual([{ t: T0, avg: 3.7, min: 3.6, max: 3.8, count: 2 }]);
  });

  it('pushes the reading to a /live websocket client as a utilities update', async () => {
    await publishTwoReadings();
    const update = await waitFor(
      () => liveMessages.find((m) => m.type === 'update' && m.subsystems.utilities?.kinds['water-pressure']),
      'a live utilities update',
    );
    expect(liveMessages[0]?.type).toBe('hello');
    expect(update.subsystems.utilities!.devices).toBeGreaterThanOrEqual(1);
    expect(update.subsystems.utilities!.headline).toMatchObject({ kind: 'water-pressure', metric: 'pressure', unit: 'bar' });
  });

  it('lists the device in /api/devices with its address and latest values', async () => {
    await publishTwoReadings();
    const listed = await waitFor(async () => {
      const res = await api('/api/devices?subsystem=utilities');
      const json = (await res.json()) as { devices: { deviceId: string; district: string; kind: string; metrics: Record<string, number> }[] };
      const d = json.devices.find((d) => d.deviceId === 'wp-it-1');
      return d?.metrics.pressure === 3.6 ? d : undefined;
    }, 'the device with its latest reading');
    expect(listed).toMatchObject({ district: 'old-town', kind: 'water-pressure', metrics: { pressure: 3.6, flow: 150 } });
  });

  it('answers a malformed /api/series query with 400 and the reason', async () => {
    const res = await api('/api/series?deviceId=wp-it-1&metric=pressure&step=fortnight');
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe('ERR_QUERY_INVALID');
    expect(json.error.message).toContain('step');
  });

  it('dead-letters every kind of bad message with its reason while good traffic keeps flowing', async () => {
    const bad: [reason: string, topic: string, payload: string | Buffer][] = [
      ['bad-json', TOPIC, '{"ts": 17'],
      ['schema-mismatch', TOPIC, JSON.stringify({ ts: T0, metrics: { pressure: 'low' } })],
      ['unknown-kind', 'city/temirtau/utilities/old-town/samovar/s-1/telemetry', JSON.stringify({ ts: T0, metrics: { temp: 90 } })],
      ['topic-off-scheme', 'city/temirtau/utilities/old-town/telemetry', JSON.stringify({ ts: T0, metrics: { pressure: 3 } })],
      ['payload-too-large', TOPIC, Buffer.alloc(70 * 1024, 'x')],
    ];
    const before = deadLetters.length;
    let good = 0;
    for (const [, topic, payload] of bad) {
      await device.publishAsync(topic, payload, { qos: 1 });
      // a good reading right after each bad one: it must still land
      good++;
      await device.publishAsync(TOPIC, JSON.stringify({ ts: T0 + 60_000 + good * 1000, metrics: { pressure: 4, flow: 100 } }), { qos: 1 });
    }
    // a topic off the scheme is not this client's to publish: the broker's ACL acknowledges
    // and discards it (counted and audited) before it could become a dead letter
    const dead = bad.filter(([reason]) => reason !== 'topic-off-scheme');
    const letters = await waitFor(() => (deadLetters.length - before >= dead.length ? deadLetters.slice(before) : undefined), 'four dead letters');
    expect(letters.map((l) => l.reason)).toEqual(dead.map(([reason]) => reason));
    expect(letters[1]!.detail).toContain('pressure must be a number');
    expect(letters.map((l) => (l as unknown as { code: string }).code)).toEqual(['ERR_PAYLOAD_JSON', 'ERR_PAYLOAD_SCHEMA', 'ERR_UNKNOWN_KIND', 'ERR_PAYLOAD_TOO_LARGE']);
    expect(letters[3]!.detail).toContain('limit is 65536');
    expect(letters[2]!.topic).toBe('city/temirtau/utilities/old-town/samovar/s-1/telemetry');

    const stored = await waitFor(async () => {
      const res = await api(`/api/series?deviceId=wp-it-1&metric=pressure&from=${T0 + 60_000}&to=${T0 + 120_000}&step=1m`);
      const json = (await res.json()) as { points: { count: number }[] };
      return json.points[0]?.count === good ? json.points[0] : undefined;
    }, 'the good readings between the bad ones');
    expect(stored.count).toBe(5);
    expect(platform.ingest.stats().rejected).toEqual({ 'bad-json': 1, 'schema-mismatch': 1, 'unknown-kind': 1, 'topic-off-scheme': 0, 'payload-too-large': 1, 'timestamp-out-of-range': 0, 'senml-invalid': 0, 'senml-unsupported': 0, 'senml-conflict': 0 });
    expect((platform.health().broker as { refusedPublishes: number }).refusedPublishes).toBe(1);
    const health = (await (await api('/health')).json()) as { status: string; ingest: { rejected: Record<string, number> } };
    expect(health.status).toBe('ok');
    expect(health.ingest.rejected['bad-json']).toBe(1);
    // every spooled message is released once its readings are stored (another town's traffic is not spooled at all)
    await device.publishAsync('city/rudny/utilities/centre/water-pressure/wp-r-1/telemetry', JSON.stringify({ ts: T0, metrics: { pressure: 4 } }), { qos: 1 });
    type Intake = { admitted: number; unstored: number; spool: { appended: number } };
    const intake = await waitFor(async () => {
      const i = ((await (await api('/health')).json()) as { intake: Intake }).intake;
      return i.unstored === 0 ? i : undefined;
    }, 'every spooled message released');
    expect(intake.unstored).toBe(0);
    expect(intake.spool.appended).toBe(8); // 3 of the five bad ones (not the oversized, not the refused) + 5 good
    expect(intake.admitted).toBe(8);
    expect((platform.health().broker as { refusedPublishes: number }).refusedPublishes).toBe(2); // and another town's
    const metrics = await (await api('/metrics')).text();
    expect(metrics).toContain('qala_ingest_rejected_total{reason="payload-too-large"} 1');
    expect(metrics).toMatch(/^qala_store_written_total \d+$/m);
  });

  it('accepts MQTT over websocket at /mqtt', async () => {
    // the websocket upgrade needs a login (here the viewer's session); the CONNECT inside it, the gateway's credentials
    const wsDevice = await connectMqtt(`ws://127.0.0.1:${platform.httpPort}/mqtt`, { clientId: 'it-ws-device', ...gatewayLogin(platform, 'ws'), wsOptions: { headers: viewer.headers } });
    await wsDevice.publishAsync('city/temirtau/environment/aktau/air-station/aq-ws-1/telemetry', JSON.stringify({ ts: T0, metrics: { pm25: 12, pm10: 20, so2: 30, no2: 40 } }), { qos: 1 });
    await wsDevice.endAsync();
    const points = await waitFor(async () => {
      const res = await api(`/api/series?deviceId=aq-ws-1&metric=pm25&from=${T0 - 1000}&to=${T0 + 1000}&step=1s`);
      const json = (await res.json()) as { points: { count: number; avg: number }[] };
      return json.points.length === 1 ? json.points : undefined;
    }, 'the websocket reading in the store');
    expect(points[0]).toMatchObject({ count: 1, avg: 12 });
  });

  it('refuses a device that publishes on the platform\'s incident or dead-letter topics', async () => {
    const rogue = await connectDevice(platform, { clientId: 'it-rogue', reconnectPeriod: 0 });
    // MQTT 3.1.1 has no negative PUBACK: the broker acknowledges and discards it, and keeps the connection
    await rogue.publishAsync('city/temirtau/incidents/water/INC-FAKE', JSON.stringify({ event: 'incident.opened' }), { qos: 1, retain: true });
    await rogue.publishAsync('city/temirtau/deadletter', JSON.stringify({ reason: 'bad-json' }), { qos: 1, retain: true });
    expect(rogue.connected).toBe(true);
    rogue.end(true);
    expect((platform.health().broker as { refusedPublishes: number }).refusedPublishes).toBe(2);
    const listener = await connectWatcher(platform);
    const seen: string[] = [];
    listener.on('message', (t) => seen.push(t));
    await listener.subscribeAsync('city/temirtau/incidents/#');
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([]); // no retained fake
    await listener.endAsync();
  });

  it('marks a device offline when its connection dies and the broker publishes its last will', async () => {
    const statusTopic = 'city/temirtau/safety/old-town/emergency-camera/cam-it-1/status';
    const cam = await connectMqtt(`mqtt://127.0.0.1:${platform.mqttPort}`, {
      ...gatewayLogin(platform, 'cam'),
      clientId: 'it-cam',
      reconnectPeriod: 0,
      will: { topic: statusTopic, payload: Buffer.from(JSON.stringify({ state: 'offline' })), qos: 1, retain: true },
    });
    await cam.publishAsync(statusTopic, JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
    const device = async () => {
      const json = (await (await api('/api/devices?kind=emergency-camera')).json()) as { devices: { deviceId: string; online: boolean }[] };
      return json.devices.find((d) => d.deviceId === 'cam-it-1');
    };
    await waitFor(async () => (await device())?.online === true, 'camera online');
    cam.stream.destroy(); // an ungraceful drop, as a power cut would be
    await waitFor(async () => (await device())?.online === false, 'camera offline by last will');
    cam.end(true);
    expect(await device()).toMatchObject({ deviceId: 'cam-it-1', online: false });
  });

  it('keeps what it stored across a restart', async () => {
    await publishTwoReadings();
    for (let i = 1; i <= 5; i++) await device.publishAsync(TOPIC, JSON.stringify({ ts: T0 + 60_000 + i * 1000, metrics: { pressure: 4, flow: 100 } }), { qos: 1 });
    await waitFor(async () => {
      const res = await api(`/api/series?deviceId=wp-it-1&metric=flow&from=${T0}&to=${T0 + 120_000}&step=2m`);
      return ((await res.json()) as { points: { count: number }[] }).points[0]?.count === 7;
    }, 'all seven readings stored');
    await device.endAsync();
    await platform.stop();
    const file = store.open(config);
    await file.start();
    const opened = hold(`the ${store.name} store`, () => file.stop());
    const points = await file.series({ deviceId: 'wp-it-1', metric: 'flow', from: T0, to: T0 + 120_000, stepMs: 120_000 });
    expect(points[0]!.count).toBe(7);
    await opened.release();

    platform = await startPlatform(config);
    const json = (await (await api('/api/devices')).json()) as { devices: { deviceId: string; metrics: Record<string, number> }[] };
    expect(json.devices.find((d) => d.deviceId === 'wp-it-1')?.metrics.pressure).toBe(4);
  });
});
