// Where an MQTT-over-websocket client is, as the audit records it: the peer's address,
// or, behind a proxy listed in QALA_TRUST_PROXY, the client it forwards for; never an
// X-Forwarded-For the client wrote itself. Real mqtt.js clients over real websockets
// from several loopback addresses. (Over TCP it is the socket's peer:
// mqtt-logins-end.test.ts.)
import { describe, expect, it } from 'vitest';
import type { Platform } from '../../services/platform.ts';
import { TEST_ADMIN_PASSWORD, tokenFor } from '../helpers/auth.ts';
import { connectMqtt } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const PROXY = '127.0.2.1';
const CLIENT = '198.51.100.7';

/** MQTT over the platform's /mqtt from `local`, saying it forwards for `forwardedFor`; the upgrade rides on an admin token. */
async function overWs(platform: Platform, local: string, forwardedFor: string, password: string, clientId: string) {
  const { headers } = await tokenFor(platform);
  const wsOptions = { headers: { ...headers, 'x-forwarded-for': forwardedFor }, localAddress: local };
  return connectMqtt(`ws://127.0.0.1:${platform.httpPort}/mqtt`, { username: 'admin', password, clientId, reconnectPeriod: 0, connectTimeout: 5000, wsOptions });
}

/** The audited addresses of a refused login, a refused publish and a connection ended by its login, for one client. */
async function fromOf(platform: Platform, local: string, forwardedFor: string, tag: string): Promise<Record<string, string | undefined>> {
  await expect(overWs(platform, local, forwardedFor, 'not-the-password-1', `${tag}-refused`)).rejects.toMatchObject({ code: 5 });
  const c = await overWs(platform, local, forwardedFor, TEST_ADMIN_PASSWORD, `${tag}-admin`);
  // an admin publishes nothing: acknowledged and discarded, and audited
  await c.publishAsync('city/temirtau/sim/faults', '{}', { qos: 1 });
  const ended = new Promise<void>((resolve) => c.once('close', () => resolve()));
  // a new password ends the password logins, audited with where they came from
  await platform.users.setPassword('admin', TEST_ADMIN_PASSWORD, { who: 'user:admin' });
  await ended;
  const find = (action: string) => waitFor(() => platform.audit.read({ limit: 50, action }).find((e) => e.action !== 'mqtt.connect' || e.outcome === 'refused'), action);
  const refusedConnect = await find('mqtt.connect');
  const publish = platform.audit.read({ limit: 50, action: 'mqtt.publish-refused' }).find((e) => e.who === 'user:admin');
  const disconnect = platform.audit.read({ limit: 50, action: 'mqtt.disconnect' }).find((e) => e.detail?.clientId === `${tag}-admin`);
  return { connect: refusedConnect.from, publish: publish?.from, disconnect: disconnect?.from };
}

describe('the audit\'s "from" of MQTT over websocket', () => {
  it('is the peer\'s address when no proxy is trusted, whatever X-Forwarded-For says', async () => {
    const platform = await startPlatform(testConfig(await tempDir()));
    expect(await fromOf(platform, '127.0.2.5', CLIENT, 'direct')).toEqual({ connect: '127.0.2.5', publish: '127.0.2.5', disconnect: '127.0.2.5' });
  });

  it('is the client a trusted proxy forwards for', async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { trustProxy: PROXY }));
    expect(await fromOf(platform, PROXY, CLIENT, 'proxied')).toEqual({ connect: CLIENT, publish: CLIENT, disconnect: CLIENT });
  });

  it('ignores a forged header from a peer that is not a trusted proxy', async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { trustProxy: PROXY }));
    expect(await fromOf(platform, '127.0.2.2', CLIENT, 'forged')).toEqual({ connect: '127.0.2.2', publish: '127.0.2.2', disconnect: '127.0.2.2' });
  });
});
