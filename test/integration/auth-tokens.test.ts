// API tokens expire: on a real platform whose clock the test moves on, over HTTP
// (401 ERR_TOKEN_EXPIRED, listed with its expiry) and MQTT (CONNACK 5).
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { clockWithNow } from '../../services/clock.ts';
import type { Config } from '../../services/config.ts';
import type { TokenInfo } from '../../services/contracts/index.ts';
import { createLogger } from '../../services/log.ts';
import { createPlatform, type Platform } from '../../services/platform.ts';
import { TEST_ADMIN_PASSWORD, client, login } from '../helpers/auth.ts';
import { TEST_PASSWORD_COST, tempDir, testConfig } from '../helpers/platform.ts';
import { hold } from '../helpers/resources.ts';

const DAY = 86_400_000;

/** A platform on a clock the test moves, stopped when the test ends. */
async function platformAt(config: Config, now: () => number): Promise<Platform> {
  const platform = createPlatform({ config, log: createLogger('silent', 'json'), clock: clockWithNow(now), passwordCost: TEST_PASSWORD_COST });
  hold(`platform on ${config.dataDir}`, () => platform.stop());
  await platform.start();
  return platform;
}

/** The CONNACK return code of an MQTT login (0: accepted). */
async function connack(platform: Platform, username: string, password: string): Promise<number> {
  try {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, username, password });
    await c.endAsync(true);
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('API token expiry', () => {
  it('lists a token with its expiry, lets it in over HTTP and MQTT until then, and refuses it after with ERR_TOKEN_EXPIRED and CONNACK 5', async () => {
    let shift = 0;
    const platform = await platformAt(testConfig(await tempDir(), { tokenDefaultDays: 10, tokenMaxDays: 30, loginAttemptsPerMinute: 3 }), () => Date.now() + shift);
    const admin = client(platform, await login(`http://127.0.0.1:${platform.httpPort}`, 'admin', TEST_ADMIN_PASSWORD));
    const made = await admin('/api/tokens', { method: 'POST', body: { label: 'scraper', expiresInDays: 2 } });
    expect(made.status).toBe(201);
    const t = (await made.json()) as TokenInfo & { token: string };
    expect(t.expiresAt - t.createdAt).toBe(2 * DAY);
    const dflt = (await (await admin('/api/tokens', { method: 'POST', body: { label: 'default' } })).json()) as TokenInfo & { token: string };
    expect(dflt.expiresAt - dflt.createdAt).toBe(10 * DAY);
    // longer than QALA_TOKEN_MAX_DAYS, or not a whole number of days: refused, naming the limit
    for (const expiresInDays of [31, 0, 1.5, '7']) {
      const bad = await admin('/api/tokens', { method: 'POST', body: { label: 'too long', expiresInDays } });
      expect(bad.status).toBe(400);
      expect((await codeOf(bad)).code).toBe('ERR_BODY_INVALID');
    }
    expect((await codeOf(await admin('/api/tokens', { method: 'POST', body: { label: 'x', expiresInDays: 31 } }))).message).toContain('QALA_TOKEN_MAX_DAYS');
    const listed = (await (await admin('/api/tokens?user=admin')).json()) as { tokens: TokenInfo[] };
    expect(listed.tokens.find((x) => x.id === t.id)).toEqual({ id: t.id, user: 'admin', label: 'scraper', createdAt: t.createdAt, createdBy: 'user:admin', expiresAt: t.expiresAt });

    const bearer = client(platform, { name: 'admin', role: 'admin', headers: { authorization: `Bearer ${t.token}` } });
    shift = 2 * DAY - 60_000;
    const me = await bearer('/api/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ via: 'token', expiresAt: t.expiresAt });
    expect(await connack(platform, 'admin', t.token)).toBe(0);

    shift = 2 * DAY + 1000;
    // more times than the failed-login allowance: a right but expired secret is no guess, so never 429
    for (let i = 0; i < 4; i++) {
      const res = await bearer('/api/me');
      expect(res.status).toBe(401);
      const err = await codeOf(res);
      expect(err.code).toBe('ERR_TOKEN_EXPIRED');
      expect(err.message).toContain(t.id);
    }
    expect(await connack(platform, 'admin', t.token)).toBe(5);
    const refused = platform.audit.read({ limit: 10, action: 'token.refused' });
    expect(refused[0]).toMatchObject({ who: 'user:admin', outcome: 'refused', detail: { reason: `API token ${t.id} expired at ${new Date(t.expiresAt).toISOString()}` } });
    // the token made with the default days has not expired and still works
    expect(await connack(platform, 'admin', dflt.token)).toBe(0);
    expect((await client(platform, { name: 'admin', role: 'admin', headers: { authorization: `Bearer ${dflt.token}` } })('/api/me')).status).toBe(200);
  });
});
