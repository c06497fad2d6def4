// The MQTT trust boundary, tried as an attacker on the same network would: real
// clients over real sockets against the embedded broker.
import mqtt, { type MqttClient, type Packet } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD, asAdmin, client, loginAs } from '../helpers/auth.ts';
import { adminLogin, connectMqtt, gatewayLogin } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const WP1 = 'city/temirtau/utilities/old-town/water-pressure/wp-reg-1';
const reading = (pressure = 4.1) => JSON.stringify({ ts: Date.now(), metrics: { pressure } });

async function setup() {
  const platform = await startPlatform(testConfig(await tempDir()));
  const url = `mqtt://127.0.0.1:${platform.mqttPort}`;
  const { secret } = await platform.access.add({ deviceId: 'wp-reg-1', kind: 'water-pressure', district: 'old-town' }, 'user:admin');
  const connectAs = (username: string, password: string, clientId = username.replace(/[^A-Za-z0-9-]/g, '-')) => connectMqtt(url, { username, password, clientId, reconnectPeriod: 0 });
  const refusedPublishes = () => (platform.health().broker as { refusedPublishes: number }).refusedPublishes;
  return { platform, url, secret, connectAs, refusedPublishes };
}

/** The CONNACK return code of a connection attempt (0: accepted). */
async function connackCode(url: string, options: mqtt.IClientOptions): Promise<number> {
  try {
    const c = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
    await c.endAsync(true);
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

/** The SUBACK return codes for a subscription (mqtt.js rejects a subscription with any 0x80 in it). */
function subscribeCodes(client: MqttClient, filters: string | string[]): Promise<number[]> {
  return new Promise((resolve) => {
    const onPacket = (packet: Packet) => {
      if (packet.cmd !== 'suback') return;
      client.off('packetreceive', onPacket);
      resolve(packet.granted.map((g) => (typeof g === 'number' ? g : (g as { qos: number }).qos)));
    };
    client.on('packetreceive', onPacket);
    client.subscribe(filters, { qos: 1 }, () => undefined);
  });
}

/** Messages a client receives from now on. */
function collect(client: MqttClient): { topic: string; payload: string; retain: boolean }[] {
  const got: { topic: string; payload: string; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return got;
}

describe('MQTT trust boundary', () => {
  it('refuses anonymous, unknown and wrongly authenticated clients with CONNACK 5 "not authorized"', async () => {
    const { url, secret, platform } = await setup();
    expect(await connackCode(url, {})).toBe(5);
    expect(await connackCode(url, { username: 'wp-reg-1', password: 'guess' })).toBe(5);
    expect(await connackCode(url, { username: 'wp-unknown', password: secret })).toBe(5);
    expect(await connackCode(url, { username: `${WP1}`, password: 'not-the-derived-secret' })).toBe(5);
    expect(await connackCode(url, { username: 'gateway:x', password: 'forged' })).toBe(5);
    expect(await connackCode(url, { username: 'admin', password: 'wrong-password-123' })).toBe(5);
    expect(await connackCode(url, { username: 'wp-reg-1', password: secret })).toBe(0);
    const refusals = platform.audit.read({ limit: 100, action: 'mqtt.connect' });
    expect(refusals.filter((e) => e.outcome === 'refused').length).toBeGreaterThanOrEqual(6);
    expect(refusals.some((e) => e.who === '(anonymous)')).toBe(true);
  });

  it('takes a registered device\'s own readings, and acknowledges and discards a spoofed one without dropping the connection', async () => {
    const { platform, secret, connectAs, refusedPublishes } = await setup();
    const dev = await connectAs('wp-reg-1', secret);
    let closes = 0;
    dev.on('close', () => closes++);
    await dev.publishAsync(`${WP1}/telemetry`, reading(), { qos: 1 });
    // another device, another district, another kind, another subsystem: each is acknowledged (QoS 1) and discarded
    const spoofs = [
      'city/temirtau/utilities/old-town/water-pressure/wp-other/telemetry',
      'city/temirtau/utilities/new-town/water-pressure/wp-reg-1/telemetry',
      'city/temirtau/utilities/old-town/gas-pressure/wp-reg-1/telemetry',
      'city/temirtau/safety/old-town/water-pressure/wp-reg-1/telemetry',
    ];
    for (const t of spoofs) await dev.publishAsync(t, reading(0.1), { qos: 1 });
    await dev.publishAsync(`${WP1}/telemetry`, reading(4.2), { qos: 1 });
    await waitFor(() => platform.ingest.stats().accepted === 2, 'the two genuine readings');
    expect(refusedPublishes()).toBe(spoofs.length);
    expect(dev.connected).toBe(true);
    expect(closes).toBe(0);
    const audited = platform.audit.read({ limit: 10, action: 'mqtt.publish-refused' });
    expect(audited.map((e) => e.detail?.topic).sort()).toEqual([...spoofs].sort());
    expect(audited.every((e) => e.who === 'device:wp-reg-1' && e.outcome === 'refused')).toBe(true);
  });

  it('never lets a device or gateway forge incidents, dead letters or ground truth, retained or not', async () => {
    const { platform, url, secret, connectAs, refusedPublishes } = await setup();
    const water = await loginAs(platform, 'utility', { utility: 'water', name: 'water-ops' });
    const utility = await connectMqtt(url, { username: water.name, password: TEST_PASSWORD, clientId: 'water-ops' });
    const got = collect(utility);
    expect(await subscribeCodes(utility, 'city/temirtau/incidents/water/#')).toEqual([1]);
    const dev = await connectAs('wp-reg-1', secret);
    const gw = await connectMqtt(url, { ...gatewayLogin(platform, 'rogue'), clientId: 'rogue-gw' });
    const forged = JSON.stringify({ event: 'incident.opened', incident: { id: 'INC-999999', severity: 'critical', title: 'Forged' } });
    const reserved = ['city/temirtau/incidents', 'city/temirtau/incidents/water', 'city/temirtau/incidents/water/INC-999999', 'city/temirtau/deadletter', '$SYS/broker/forged'];
    for (const client of [dev, gw]) for (const t of reserved) await client.publishAsync(t, forged, { qos: 1, retain: true });
    await dev.publishAsync('city/temirtau/sim/faults', forged, { qos: 1 }); // only the simulator's gateway may
    expect(refusedPublishes()).toBe(reserved.length * 2 + 1);
    // a subscriber that arrives later gets no forged retained message either
    const admin = await connectMqtt(url, { ...adminLogin(), clientId: 'late-admin' });
    const late = collect(admin);
    await admin.subscribeAsync(['city/temirtau/#', '$SYS/broker/forged'], { qos: 1 });
    await gw.publishAsync('city/temirtau/utilities/old-town/water-pressure/wp-9/telemetry', reading(), { qos: 1 }); // a marker that does arrive
    await waitFor(() => late.some((m) => m.topic.endsWith('wp-9/telemetry')), 'the marker message');
    expect(got).toEqual([]);
    expect(late.filter((m) => m.payload.includes('Forged'))).toEqual([]);
    expect(dev.connected && gw.connected).toBe(true);
  });

  it('grants each subscription only within what its principal may read (SUBACK 0x80 otherwise), keeping the connection', async () => {
    const { platform, url, secret, connectAs } = await setup();
    const dev = await connectAs('wp-reg-1', secret);
    expect(await subscribeCodes(dev, '#')).toEqual([128]);
    expect(await subscribeCodes(dev, `${WP1}/command`)).toEqual([1]);
    const heat = await loginAs(platform, 'utility', { utility: 'heat', name: 'heat-ops' });
    const utility = await connectMqtt(url, { username: heat.name, password: TEST_PASSWORD, clientId: 'heat-ops' });
    const granted = await subscribeCodes(utility, ['city/temirtau/incidents/water/#', 'city/temirtau/incidents/#', '$SYS/#', 'city/temirtau/+/+/+/+/telemetry', 'city/temirtau/incidents/heat/#']);
    expect(granted).toEqual([128, 128, 128, 128, 1]);
    const eng = await loginAs(platform, 'engineer', { name: 'eng-1' });
    const engineer = await connectMqtt(url, { username: eng.name, password: TEST_PASSWORD, clientId: 'eng-1' });
    expect(await subscribeCodes(engineer, ['city/temirtau/+/+/+/+/telemetry', 'city/temirtau/sim/faults', '$SYS/#'])).toEqual([1, 1, 128]);
    expect(dev.connected && utility.connected && engineer.connected).toBe(true);
    expect(platform.audit.read({ limit: 20, action: 'mqtt.subscribe-refused' }).length).toBe(6);
  });

  it('disconnects a revoked device at once and lets it in no more', async () => {
    const { platform, url, secret, connectAs } = await setup();
    const dev = await connectAs('wp-reg-1', secret);
    const closed = new Promise<void>((r) => dev.once('close', () => r()));
    platform.access.revoke('wp-reg-1', 'user:admin');
    await closed;
    expect(await connackCode(url, { username: 'wp-reg-1', password: secret })).toBe(5);
    expect(platform.access.list().find((d) => d.deviceId === 'wp-reg-1')).toMatchObject({ revokedBy: 'user:admin' });
    expect(platform.audit.read({ limit: 5, action: 'device.revoke' })).toHaveLength(1);
  });

  it('lets the simulator\'s group devices publish as themselves only, and never as a registered device', async () => {
    const { platform, url, refusedPublishes } = await setup();
    const creds = platform.access.simulatorCredentials();
    const address = 'city/temirtau/utilities/old-town/water-pressure/wp-sim-1';
    const sim = await connectMqtt(url, { ...creds.device(address), clientId: 'wp-sim-1' });
    await sim.publishAsync(`${address}/telemetry`, reading(), { qos: 1 });
    await sim.publishAsync('city/temirtau/utilities/old-town/water-pressure/wp-sim-2/telemetry', reading(), { qos: 1 });
    await waitFor(() => platform.ingest.stats().accepted === 1, 'the genuine reading');
    expect(refusedPublishes()).toBe(1);
    // the group key cannot mint the identity of an individually registered device
    expect(await connackCode(url, { ...creds.device(WP1), clientId: 'mint' })).toBe(5);
    const gw = await connectMqtt(url, { ...creds.gateway('g'), clientId: 'g' });
    await gw.publishAsync(`${WP1}/telemetry`, reading(), { qos: 1 });
    expect(refusedPublishes()).toBe(2);
  });

  it('disconnects a user\'s MQTT connections when the user is removed, and lets them in no more', async () => {
    const { platform, url } = await setup();
    const water = await loginAs(platform, 'utility', { utility: 'water', name: 'water-gone' });
    const mq = await connectMqtt(url, { username: water.name, password: TEST_PASSWORD, clientId: 'water-gone', reconnectPeriod: 0 });
    const closed = new Promise<void>((r) => mq.once('close', () => r()));
    const res = await client(platform, await asAdmin(platform))('/api/users/water-gone', { method: 'DELETE' });
    expect(res.status).toBeLessThan(300);
    await closed;
    expect(await connackCode(url, { username: 'water-gone', password: TEST_PASSWORD })).toBe(5);
  });
});
