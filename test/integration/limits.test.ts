// The broker's limits over real sockets: each is a config value, refuses with a
// line that names it, and is counted in /health (issue 10, point 4).
import { connect as tcpConnect, type Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Config } from '../../services/config.ts';
import type { Platform } from '../../services/platform.ts';
import { adminLogin, connectDevice, connectWatcher } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const DEVICE = 'city/temirtau/utilities/old-town/water-pressure';
const limitsOf = (p: Platform) => (p.health().broker as { limits: Record<string, number> }).limits;
const brokerOf = (p: Platform) => p.health().broker as Record<string, number>;

async function platformWith(overrides: Partial<Record<keyof Config, unknown>>): Promise<Platform> {
  return startPlatform(testConfig(await tempDir(), overrides));
}

/** MQTT's variable byte integer [MQTT-2.2.3] */
function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}

const closed = (c: MqttClient | Socket) => new Promise<void>((resolve) => (c as Socket).once('close', () => resolve()));

const opened: Socket[] = [];

/** A raw TCP connection to the broker, open once connected (or closed if refused at accept). */
function rawSocket(port: number, localAddress = '127.0.0.1'): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ port, host: '127.0.0.1', localAddress });
    const done = closed(socket);
    socket.once('error', () => undefined);
    opened.push(socket);
    socket.once('connect', () => resolve({ socket, closed: done }));
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
}

/** A recorder's persistent session left offline while a device publishes `n` numbered readings it is subscribed to. */
async function offlineSession(platform: Platform, clientId: string, n: number): Promise<{ clientId: string; clean: false }> {
  const options = { clientId, clean: false as const };
  const recorder = await connectWatcher(platform, options);
  await recorder.subscribeAsync(`${DEVICE}/+/telemetry`, { qos: 1 });
  await recorder.endAsync();
  const device = await connectDevice(platform);
  for (let i = 0; i < n; i++) await device.publishAsync(`${DEVICE}/wp-1/telemetry`, JSON.stringify({ ts: Date.now(), metrics: { pressure: 3 }, seq: i }), { qos: 1 });
  return options;
}

/** The same session's client back, collecting the seq of every reading it gets (the handler is in place before CONNACK). */
function reconnect(platform: Platform, options: { clientId: string; clean: false }): { client: MqttClient; seqs: number[] } {
  const seqs: number[] = [];
  const client = mqtt.connect(`mqtt://127.0.0.1:${platform.mqttPort}`, { protocolVersion: 4, ...adminLogin(), ...options });
  onTestFinished(() => client.endAsync(true));
  client.on('message', (_t, payload) => seqs.push((JSON.parse(payload.toString()) as { seq: number }).seq));
  return { client, seqs };
}

describe('broker limits', () => {
  it('cuts a client whose publish announces more than QALA_MAX_PACKET_BYTES before its body arrives, and keeps the others', async () => {
    const platform = await platformWith({ maxPacketBytes: 128 * 1024 });
    const device = await connectDevice(platform, { reconnectPeriod: 0 });
    const bystander = await connectDevice(platform, { clientId: 'bystander' });
    const gone = closed(device.stream as unknown as Socket);
    // a PUBLISH announcing 200 MiB, of which only a few KiB are ever sent
    const topic = Buffer.from(`${DEVICE}/wp-1/telemetry`);
    const header = Buffer.concat([Buffer.from([0x30]), remainingLength(200 * 1024 * 1024), Buffer.from([topic.length >> 8, topic.length & 0xff]), topic]);
    device.stream.write(Buffer.concat([header, Buffer.alloc(8 * 1024, 'x')]));
    await gone;
    expect(limitsOf(platform).oversizePackets).toBe(1);
    // the others go on: a reading of the bystander is acknowledged and accepted
    await bystander.publishAsync(`${DEVICE}/wp-2/telemetry`, JSON.stringify({ ts: Date.now(), metrics: { pressure: 3.9 } }), { qos: 1 });
    await waitFor(() => platform.ingest.stats().accepted === 1, 'the bystander\'s reading');
    const audit = platform.audit.read({ action: 'mqtt.packet-refused', limit: 10 });
    expect(audit[0]?.detail).toMatchObject({ limit: expect.stringContaining('QALA_MAX_PACKET_BYTES=131072: a publish packet announced 209715200 bytes') });
  });

  // The platform's stop used to hang after this test: the connections that never sent
  // CONNECT were no aedes clients, and server.close() waited for them.
  it('closes connections past QALA_MAX_CONNECTIONS_PER_ADDRESS and QALA_MAX_CONNECTIONS at accept, and lets in again once one closes', async () => {
    const platform = await platformWith({ maxConnections: 3, maxConnectionsPerAddress: 2 });
    const port = platform.mqttPort;
    const a = await rawSocket(port, '127.0.0.1');
    await rawSocket(port, '127.0.0.1');
    const third = await rawSocket(port, '127.0.0.1');
    await third.closed;
    expect(limitsOf(platform).refusedConnectionsPerAddress).toBe(1);
    // another address is still let in, until the total is reached
    const other = await rawSocket(port, '127.0.0.2');
    const fourth = await rawSocket(port, '127.0.0.3');
    await fourth.closed;
    expect(limitsOf(platform)).toMatchObject({ refusedConnectionsTotal: 1, openConnections: 3 });
    expect(other.socket.destroyed).toBe(false);
    a.socket.destroy();
    await waitFor(() => limitsOf(platform).openConnections === 2, 'the closed connection to be released');
    const watcher = await connectWatcher(platform);
    expect(watcher.connected).toBe(true);
    const audit = platform.audit.read({ action: 'mqtt.connection-refused', limit: 10 });
    expect(audit.map((e) => String(e.detail?.limit).split('=')[0]).sort()).toEqual(['QALA_MAX_CONNECTIONS', 'QALA_MAX_CONNECTIONS_PER_ADDRESS']);
  });

  it('answers SUBACK 0x80 past QALA_MAX_SUBSCRIPTIONS_PER_CLIENT, and counting an unsubscribed filter no more', async () => {
    const platform = await platformWith({ maxSubscriptionsPerClient: 2 });
    const watcher = await connectWatcher(platform);
    const granted = async (filter: string, qos: 0 | 1 = 1) => (await watcher.subscribeAsync(filter, { qos }))[0]?.qos;
    expect(await granted('city/temirtau/a/#')).toBe(1);
    expect(await granted('city/temirtau/b/#')).toBe(1);
    await expect(watcher.subscribeAsync('city/temirtau/c/#')).rejects.toThrow();
    expect(brokerOf(platform).refusedSubscribesOverLimit).toBe(1);
    await watcher.unsubscribeAsync('city/temirtau/a/#');
    expect(await granted('city/temirtau/c/#')).toBe(1);
  });

  it('delivers but does not retain a message over QALA_MAX_RETAINED_BYTES, nor a new topic past QALA_MAX_RETAINED_MESSAGES', async () => {
    const platform = await platformWith({ maxRetainedBytes: 200, maxRetainedMessages: 2 });
    const device = await connectDevice(platform);
    const status = (id: string) => `${DEVICE}/${id}/status`;
    const online = JSON.stringify({ state: 'online' });
    await device.publishAsync(status('wp-1'), online, { qos: 1, retain: true });
    await device.publishAsync(status('wp-2'), JSON.stringify({ state: 'online', pad: 'x'.repeat(300) }), { qos: 1, retain: true });
    await device.publishAsync(status('wp-3'), online, { qos: 1, retain: true });
    await device.publishAsync(status('wp-4'), online, { qos: 1, retain: true });
    // a kept topic may be replaced at the limit
    await device.publishAsync(status('wp-1'), JSON.stringify({ state: 'offline' }), { qos: 1, retain: true });
    expect(limitsOf(platform)).toMatchObject({ notRetainedTooLarge: 1, notRetainedFull: 1, retainedTopics: 2 });

    const watcher = await connectWatcher(platform);
    const seen: string[] = [];
    watcher.on('message', (topic, payload, packet) => seen.push(`${topic.split('/')[5]}:${packet.retain ? 'retained' : 'live'}:${payload.length}`));
    await watcher.subscribeAsync(`${DEVICE}/+/status`, { qos: 1 });
    await device.publishAsync(status('marker'), online, { qos: 1 });
    await waitFor(() => seen.some((s) => s.startsWith('marker')), 'the marker');
    expect(seen.sort()).toEqual(['marker:live:18', 'wp-1:retained:19', 'wp-3:retained:18']);
  });

  it('queues at most QALA_MAX_QUEUED_MESSAGES for an offline persistent session, and delivers those when it is back', async () => {
    const platform = await platformWith({ maxQueuedMessages: 5 });
    const options = await offlineSession(platform, 'recorder-1', 12);
    await waitFor(() => limitsOf(platform).droppedQueued === 7, 'seven dropped for the offline session');

    // the queued messages follow CONNACK at once
    const { client: back, seqs } = reconnect(platform, options);
    const device = await connectDevice(platform);
    await waitFor(() => back.connected, 'the session to be back');
    await device.publishAsync(`${DEVICE}/wp-1/telemetry`, JSON.stringify({ ts: Date.now(), metrics: { pressure: 3 }, seq: 99 }), { qos: 1 });
    await waitFor(() => seqs.includes(99), 'the live reading');
    // the oldest five were kept, the rest dropped
    expect(seqs).toEqual([0, 1, 2, 3, 4, 99]);
  });

  it('lets a gateway bring at most QALA_MAX_NEW_DEVICES_PER_MINUTE new device ids a minute and QALA_MAX_DEVICES in all; known ones go on', async () => {
    const platform = await platformWith({ maxNewDevicesPerMinute: 50, maxDevices: 60 });
    const gateway = await connectDevice(platform, { clientId: 'flooding-gateway' });
    const publish = (id: string) => gateway.publishAsync(`${DEVICE}/${id}/telemetry`, JSON.stringify({ ts: Date.now(), metrics: { pressure: 3.9 } }), { qos: 1 });
    for (let i = 0; i < 80; i++) await publish(`wp-new-${i}`); // every one acknowledged (refused ones discarded)
    const broker = () => platform.health().broker as { refusedNewDevices: number };
    await waitFor(() => platform.ingest.stats().accepted === 50, 'the first 50 new devices accepted');
    expect(broker().refusedNewDevices).toBe(30);
    await publish('wp-new-0'); // a known device goes on
    await waitFor(() => platform.ingest.stats().accepted === 51, 'a known device\'s reading');
    const audit = platform.audit.read({ action: 'mqtt.publish-refused', limit: 1 });
    expect(String(audit[0]?.detail?.reason)).toContain('QALA_MAX_NEW_DEVICES_PER_MINUTE=50');
    expect(platform.health().devices).toBe(50);
  });

  it('refuses new device ids from gateways past QALA_MAX_DEVICES', async () => {
    const platform = await platformWith({ maxDevices: 10 });
    const gateway = await connectDevice(platform, { clientId: 'many-devices' });
    for (let i = 0; i < 15; i++) await gateway.publishAsync(`${DEVICE}/wp-cap-${i}/telemetry`, JSON.stringify({ ts: Date.now(), metrics: { pressure: 3.9 } }), { qos: 1 });
    await waitFor(() => platform.ingest.stats().accepted === 10, 'ten devices accepted');
    expect((platform.health().broker as { refusedNewDevices: number }).refusedNewDevices).toBe(5);
    expect(String(platform.audit.read({ action: 'mqtt.publish-refused', limit: 1 })[0]?.detail?.reason)).toContain('QALA_MAX_DEVICES=10');
  });

  it('forgets an offline persistent session, its subscriptions and queue, after QALA_SESSION_EXPIRY_MS', async () => {
    const platform = await platformWith({ sessionExpiryMs: 1_500 });
    const options = await offlineSession(platform, 'recorder-expiring', 3);
    await waitFor(() => limitsOf(platform).expiredSessions === 1, 'the offline session to expire');

    // back with the same client id: no session present [MQTT-3.2.2-2 with the session gone], nothing queued, no subscription
    const { client: back, seqs } = reconnect(platform, options);
    const device = await connectDevice(platform);
    let sessionPresent: boolean | undefined;
    back.on('connect', (ack) => (sessionPresent = ack.sessionPresent));
    await waitFor(() => back.connected, 'the client to be back');
    await device.publishAsync(`${DEVICE}/wp-1/telemetry`, JSON.stringify({ ts: Date.now(), metrics: { pressure: 3 }, seq: 99 }), { qos: 1 });
    await new Promise((r) => setTimeout(r, 500));
    expect(sessionPresent).toBe(false);
    expect(seqs).toEqual([]);
  });
});
