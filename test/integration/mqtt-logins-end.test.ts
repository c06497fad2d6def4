// An MQTT connection lives no longer than the login it was opened with: real clients
// over real sockets (TCP and websocket) against a whole platform whose clock the test
// moves (a ManualClock: timers fire only when it is advanced, so nothing sleeps and
// nothing is timed).
import type { MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../services/clock.ts';
import type { AuditEntry, Clock } from '../../services/contracts/index.ts';
import { createLogger } from '../../services/log.ts';
import { createPlatform, type Platform } from '../../services/platform.ts';
import { TEST_ADMIN_PASSWORD, TEST_PASSWORD, baseUrl, client, login } from '../helpers/auth.ts';
import { connectMqtt } from '../helpers/mqtt.ts';
import { TEST_PASSWORD_COST, tempDir, testConfig } from '../helpers/platform.ts';
import { hold } from '../helpers/resources.ts';
import { waitFor } from '../helpers/wait.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 23, 6);
const TELEMETRY = 'city/temirtau/+/+/+/+/telemetry';

/**
 * A platform on a ManualClock, with `skip` moving its `now` ahead of its timers (what a
 * late timer looks like), so a day can pass without running a day of timers.
 */
async function platformOnManualClock() {
  const manual = new ManualClock(T0);
  let skip = 0;
  const clock: Clock = { now: () => manual.now() + skip, setTimeout: (fn, ms) => manual.setTimeout(fn, ms), setInterval: (fn, ms) => manual.setInterval(fn, ms) };
  const config = testConfig(await tempDir());
  const platform = createPlatform({ config, log: createLogger('silent', 'json'), clock, passwordCost: TEST_PASSWORD_COST });
  hold(`platform on ${config.dataDir}`, () => platform.stop());
  await platform.start();
  const admin = client(platform, await login(baseUrl(platform), 'admin', TEST_ADMIN_PASSWORD));
  expect((await admin('/api/users', { method: 'POST', body: { name: 'recorder', role: 'engineer', password: TEST_PASSWORD } })).status).toBe(201);
  const made = await admin('/api/tokens', { method: 'POST', body: { user: 'recorder', label: 'qala record', expiresInDays: 1 } });
  expect(made.status).toBe(201);
  const token = (await made.json()) as { token: string; id: string; expiresAt: number };
  expect(token.expiresAt).toBe(T0 + DAY);
  return {
    platform, manual, admin, token,
    /** moves `now` by ms without running the timers in between */
    skip: (ms: number) => void (skip += ms),
  };
}

const tcp = (platform: Platform, password: string, clientId: string) =>
  connectMqtt(`mqtt://127.0.0.1:${platform.mqttPort}`, { username: 'recorder', password, clientId, reconnectPeriod: 0 });

/** Whether the broker still serves this client: a subscription it may hold is granted (a round trip, not a wait). */
async function served(c: MqttClient): Promise<boolean> {
  if (!c.connected) return false;
  const granted = await c.subscribeAsync(TELEMETRY, { qos: 0 });
  return granted[0]?.qos === 0;
}

const closed = (c: MqttClient) => new Promise<void>((resolve) => (c.connected ? c.once('close', () => resolve()) : resolve()));

/** The CONNACK return code of a connection attempt (0: accepted). */
async function connack(platform: Platform, password: string): Promise<number> {
  try {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, username: 'recorder', password });
    await c.endAsync(true);
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

const disconnects = (platform: Platform): AuditEntry[] => platform.audit.read({ limit: 50, action: 'mqtt.disconnect' });

describe('an MQTT connection ends with its login', () => {
  it('closes a connection opened with an API token when the token expires, over TCP and websocket, audited with its address; a password login goes on', async () => {
    const { platform, manual, token, skip } = await platformOnManualClock();
    skip(DAY - 10_000); // ten seconds before the token expires
    const viaToken = await tcp(platform, token.token, 'rec-token');
    const viaPassword = await tcp(platform, TEST_PASSWORD, 'rec-password');
    // over websocket: the HTTP upgrade needs a login of its own (a session made now), the MQTT CONNECT the token
    const session = await login(baseUrl(platform), 'recorder', TEST_PASSWORD);
    const viaWs = await connectMqtt(`ws://127.0.0.1:${platform.httpPort}/mqtt`, { username: 'recorder', password: token.token, clientId: 'rec-ws', reconnectPeriod: 0, wsOptions: { headers: session.headers } });
    const ended = [closed(viaToken), closed(viaWs)];
    expect(await served(viaToken)).toBe(true);
    expect(await served(viaWs)).toBe(true);

    await manual.tick(9_999);
    expect(await served(viaToken)).toBe(true);
    expect(await served(viaWs)).toBe(true);
    expect(disconnects(platform)).toEqual([]);

    await manual.tick(1);
    await Promise.all(ended);
    expect(await served(viaPassword)).toBe(true);
    const reason = `API token ${token.id} expired at ${new Date(T0 + DAY).toISOString()}`;
    expect(disconnects(platform).map(({ who, outcome, from, detail }) => ({ who, outcome, from, detail })).sort((a, b) => String(a.detail?.clientId).localeCompare(String(b.detail?.clientId)))).toEqual([
      { who: 'user:recorder', outcome: 'ok', from: '127.0.0.1', detail: { reason, clientId: 'rec-token', via: 'token', tokenId: token.id } },
      { who: 'user:recorder', outcome: 'ok', from: '127.0.0.1', detail: { reason, clientId: 'rec-ws', via: 'token', tokenId: token.id } },
    ]);
    // and it cannot come back
    expect(await connack(platform, token.token)).toBe(5);
    expect(await connack(platform, TEST_PASSWORD)).toBe(0);
  });

  it('refuses a publish or a subscribe once the token has expired even if the timer has not run yet, and closes the connection', async () => {
    const { platform, token, skip } = await platformOnManualClock();
    const subscriber = await tcp(platform, token.token, 'rec-sub');
    const publisher = await tcp(platform, token.token, 'rec-pub');
    expect(await served(subscriber)).toBe(true);
    skip(DAY); // the expiry passes, its timer does not run
    const ended = [closed(subscriber), closed(publisher)];
    subscriber.subscribe('city/temirtau/incidents/#', { qos: 1 }, () => undefined);
    publisher.publish('city/temirtau/sim/faults', '{}', { qos: 0 });
    await Promise.all(ended);
    const why = `login ended: API token ${token.id} expired at ${new Date(T0 + DAY).toISOString()}`;
    await waitFor(() => platform.audit.read({ limit: 10, action: 'mqtt.publish-refused' }).length > 0, 'the refused publish audited');
    expect(platform.audit.read({ limit: 10, action: 'mqtt.subscribe-refused' }).map((e) => [e.who, e.detail?.reason])).toEqual([['user:recorder', why]]);
    expect(platform.audit.read({ limit: 10, action: 'mqtt.publish-refused' }).map((e) => [e.who, e.detail?.reason])).toEqual([['user:recorder', why]]);
    expect(disconnects(platform).map((e) => e.detail?.clientId).sort()).toEqual(['rec-pub', 'rec-sub']);
  });

  it('closes at once what a revocation ends, and only that: a token revoked, a password changed, a user removed, a device revoked', async () => {
    const { platform, admin, token } = await platformOnManualClock();
    const other = (await (await admin('/api/tokens', { method: 'POST', body: { user: 'recorder', label: 'another' } })).json()) as { token: string; id: string };
    const a = await tcp(platform, token.token, 'rec-a');
    const b = await tcp(platform, other.token, 'rec-b');
    const p = await tcp(platform, TEST_PASSWORD, 'rec-p');
    const reasons = () => disconnects(platform).map((e) => `${String(e.detail?.clientId)}: ${String(e.detail?.reason)}`);

    const aEnded = closed(a);
    expect((await admin(`/api/tokens/${token.id}`, { method: 'DELETE' })).status).toBe(200);
    await aEnded;
    expect(await served(b)).toBe(true);
    expect(await served(p)).toBe(true);
    expect(reasons()).toEqual([`rec-a: API token ${token.id} revoked`]);

    // a new password ends the connections opened with the old one; a token is a credential of its own
    const pEnded = closed(p);
    const self = client(platform, await login(baseUrl(platform), 'recorder', TEST_PASSWORD));
    expect((await self('/api/me/password', { method: 'POST', body: { current: TEST_PASSWORD, password: 'a-new-password-123' } })).status).toBe(200);
    await pEnded;
    expect(await served(b)).toBe(true);
    expect(reasons()[0]).toBe('rec-p: password changed');

    const again = await tcp(platform, 'a-new-password-123', 'rec-p2');
    const allEnded = [closed(b), closed(again)];
    expect((await admin('/api/users/recorder', { method: 'DELETE' })).status).toBe(200);
    await Promise.all(allEnded);
    expect(reasons().slice(0, 2).sort()).toEqual(['rec-b: user removed', 'rec-p2: user removed']);

    const { secret } = await platform.access.add({ deviceId: 'wp-reg-9', kind: 'water-pressure', district: 'old-town' }, 'user:admin');
    const device = await connectMqtt(`mqtt://127.0.0.1:${platform.mqttPort}`, { username: 'wp-reg-9', password: secret, clientId: 'wp-reg-9', reconnectPeriod: 0 });
    const deviceEnded = closed(device);
    expect((await admin('/api/admin/devices/wp-reg-9/revoke', { method: 'POST', body: {} })).status).toBe(200);
    await deviceEnded;
    expect(disconnects(platform)[0]).toMatchObject({ who: 'device:wp-reg-9', outcome: 'ok', from: '127.0.0.1', detail: { reason: 'device revoked', via: 'secret' } });
  });
});
