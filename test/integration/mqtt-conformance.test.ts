// MQTT 3.1.1 where aedes 1.2 departs from it (the Eclipse Paho interoperability suite's
// findings), checked over real sockets (mqtt.js clients, and a hand-built CONNECT) against the platform's
// embedded broker: services/broker/conformance.ts puts both right.
import { connect as tcpConnect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectDevice, connectMqtt, connectWatcher, gatewayLogin } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { hold } from '../helpers/resources.ts';
import { waitFor } from '../helpers/wait.ts';

const DEVICE = 'city/temirtau/utilities/old-town/water-pressure/wp-qos-1';

/** A UTF-8 string as MQTT encodes it: two length bytes, then the bytes [MQTT-1.5.3]. */
const mqttString = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

/**
 * A CONNECT with a zero-byte client id and CleanSession 0, written on a real socket. No
 * client library sends it (mqtt.js's packet writer refuses to: "clientId must be given if
 * cleanSession set to 0"), so it is built by hand per MQTT 3.1.1 §3.1 as the Paho
 * interoperability suite does. Resolves with every byte the broker sent until it closed.
 */
function connectWithoutId(port: number, login?: { username: string; password: string }): Promise<Buffer> {
  const flags = (login ? 0xc0 : 0) | 0x00; // user name, password; CleanSession (bit 1) 0
  const body = Buffer.concat([
    mqttString('MQTT'), Buffer.from([4, flags, 0, 60]), // protocol level 4, keep alive 60 s
    mqttString(''), // the zero-byte client id
    ...(login ? [mqttString(login.username), mqttString(login.password)] : []),
  ]);
  if (body.length > 127) throw new Error('test CONNECT too long for a one-byte remaining length');
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1');
    hold('raw MQTT socket', () => socket.destroy());
    const got: Buffer[] = [];
    socket.on('data', (d) => got.push(d));
    socket.once('error', reject);
    socket.once('close', () => resolve(Buffer.concat(got)));
    socket.once('connect', () => socket.write(Buffer.concat([Buffer.from([0x10, body.length]), body])));
  });
}

describe('MQTT 3.1.1 conformance of the embedded broker', () => {
  it('answers a zero-byte client id with CleanSession 0 with CONNACK 0x02 and closes [MQTT-3.1.3-8]', async () => {
    const platform = await startPlatform(testConfig(await tempDir()));
    const port = platform.mqttPort;
    // CONNACK: type 2, remaining length 2, no session present, return code 0x02 "identifier rejected"; then closed
    expect([...(await connectWithoutId(port, gatewayLogin(platform)))]).toEqual([0x20, 0x02, 0x00, 0x02]);
    // without credentials it is the same answer: the identifier is checked first
    expect([...(await connectWithoutId(port))]).toEqual([0x20, 0x02, 0x00, 0x02]);
    expect((platform.health().broker as { identifiersRejected: number }).identifiersRejected).toBe(2);

    // a zero-byte id with CleanSession 1 is given one by the server [MQTT-3.1.3-6]
    const accepted = await connectMqtt(`mqtt://127.0.0.1:${port}`, { clientId: '', clean: true, ...gatewayLogin(platform) });
    expect(accepted.connected).toBe(true);
  });

  it('delivers a QoS 2 publish at the QoS granted to wildcard subscriptions, and at the highest of overlapping ones [MQTT-3.8.4-6, MQTT-3.3.5-1]', async () => {
    const platform = await startPlatform(testConfig(await tempDir()));
    const received = new Map<string, number[]>();
    const subscriber = async (name: string, subs: Record<string, { qos: 0 | 1 | 2 }>) => {
      const c = await connectWatcher(platform, { clientId: name });
      c.on('message', (topic, _p, packet) => {
        if (topic.startsWith(DEVICE)) received.set(name, [...(received.get(name) ?? []), packet.qos]);
      });
      const granted = await c.subscribeAsync(subs);
      expect(granted.map((g) => g.qos)).toEqual(Object.values(subs).map((s) => s.qos));
    };
    await subscriber('hash-1', { '#': { qos: 1 } });
    await subscriber('plus-1', { 'city/temirtau/utilities/old-town/water-pressure/+/telemetry': { qos: 1 } });
    await subscriber('plus-0', { 'city/temirtau/utilities/old-town/water-pressure/+/telemetry': { qos: 0 } });
    await subscriber('hash-2', { '#': { qos: 2 } });
    await subscriber('overlap', { '#': { qos: 1 }, [`${DEVICE}/telemetry`]: { qos: 2 } });

    const device = await connectDevice(platform, { clientId: 'qos-2-publisher' });
    await device.publishAsync(`${DEVICE}/telemetry`, JSON.stringify({ ts: Date.now(), metrics: { pressure: 3.9 } }), { qos: 2 });
    await waitFor(() => (received.size === 5 ? received : undefined), 'the publish at every subscriber');
    expect(Object.fromEntries(received)).toEqual({ 'hash-1': [1], 'plus-1': [1], 'plus-0': [0], 'hash-2': [2], overlap: [2] });
  });

  it('delivers a retained QoS 2 message at the QoS granted to a wildcard subscription made after it', async () => {
    const platform = await startPlatform(testConfig(await tempDir()));
    const device = await connectDevice(platform, { clientId: 'retained-publisher' });
    await device.publishAsync(`${DEVICE}/status`, JSON.stringify({ state: 'online' }), { qos: 2, retain: true });
    const watcher = await connectWatcher(platform, { clientId: 'late-hash-1' });
    const qos: number[] = [];
    watcher.on('message', (topic, _p, packet) => {
      if (topic === `${DEVICE}/status`) qos.push(packet.qos);
    });
    await watcher.subscribeAsync('city/temirtau/#', { qos: 1 });
    await waitFor(() => (qos.length > 0 ? qos : undefined), 'the retained status');
    expect(qos).toEqual([1]);
  });
});
