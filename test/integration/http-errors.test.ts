// Every HTTP error, fastify's own included, as a client sees it from a real started
// platform: the status from the catalogue, {"error":{"code","message"}} with a Qala
// code, 405 with Allow, and query strings refused with what is accepted. Requests
// carry an operator's session (what a login refuses is in the auth-* tests).
import fc from 'fast-check';
import mqtt from 'mqtt';
import { gatewayLogin } from '../helpers/mqtt.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KIND_IDS, SUBSYSTEMS } from '../../devices/index.ts';
import type { ErrorCode } from '../../services/contracts/errors.ts';
import type { Platform } from '../../services/platform.ts';
import { loginAs, type Login } from '../helpers/auth.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const T0 = Date.UTC(2026, 0, 15, 6, 0);

describe('HTTP errors', () => {
  let platform: Platform;
  let operator: Login;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${platform.httpPort}${path}`, { ...init, headers: { ...operator.headers, ...((init.headers as Record<string, string>) ?? {}) } });
  const post = (path: string, body: string, contentType = 'application/json') =>
    api(path, { method: 'POST', headers: { 'content-type': contentType }, body });

  /** The status, code and message of an error answer, after checking its shape. */
  const errorOf = async (res: Response): Promise<{ status: number; code: ErrorCode; message: string }> => {
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: { code: ErrorCode; message: string } };
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
    expect(body.error.message.length).toBeGreaterThan(0);
    return { status: res.status, ...body.error };
  };

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    operator = await loginAs(platform, 'operator');
    // one device, so /api/devices knows a district
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, { protocolVersion: 4, ...gatewayLogin(platform) });
    await device.publishAsync('city/temirtau/utilities/old-town/water-pressure/wp-he-1/telemetry', JSON.stringify({ ts: T0, metrics: { pressure: 3.6, flow: 150 } }), { qos: 1 });
    await device.endAsync();
    await waitFor(async () => ((await (await api('/api/devices')).json()) as { count: number }).count === 1, 'the device in the directory');
  });
  afterAll(() => platform?.stop());

  describe('framework errors in the Qala shape', () => {
    it('answers an unknown API route and a missing dashboard file with 404 ERR_NOT_FOUND', async () => {
      expect(await errorOf(await api('/api/nope'))).toMatchObject({ status: 404, code: 'ERR_NOT_FOUND' });
      expect(await errorOf(await api('/no-such-page.html'))).toMatchObject({ status: 404, code: 'ERR_NOT_FOUND' });
      expect(await errorOf(await api('/api/devices', { method: 'DELETE' }))).toMatchObject({ status: 405 });
    });

    it('answers a wrong method on a known path with 405 and the methods of that path in Allow', async () => {
      const cases: [method: string, path: string, allow: string][] = [
        ['POST', '/health', 'GET, HEAD'],
        ['PUT', '/api/series', 'GET, HEAD'],
        ['DELETE', '/api/incidents/INC-000001', 'GET, HEAD'],
        ['GET', '/api/incidents/INC-000001/acknowledge', 'POST'],
        ['POST', '/style.css', 'GET, HEAD'],
        ['POST', '/', 'GET, HEAD'],
      ];
      for (const [method, path, allow] of cases) {
        const res = await api(path, { method });
        expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
        const e = await errorOf(res);
        expect(e, `${method} ${path}`).toMatchObject({ status: 405, code: 'ERR_METHOD_NOT_ALLOWED' });
        expect(e.message).toContain(allow);
      }
    });

    it('refuses a body that is not JSON with 415 ERR_UNSUPPORTED_MEDIA_TYPE, naming application/json', async () => {
      for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
        const e = await errorOf(await post('/api/incidents/INC-000001/acknowledge', 'comment=on+my+way', type));
        expect(e, type).toMatchObject({ status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' });
        expect(e.message).toContain('application/json');
      }
    });

    it('refuses a body over the limit with 413 ERR_BODY_TOO_LARGE', async () => {
      const big = JSON.stringify({ comment: 'x'.repeat(100 * 1024) });
      expect(await errorOf(await post('/api/incidents/INC-000001/acknowledge', big))).toMatchObject({ status: 413, code: 'ERR_BODY_TOO_LARGE' });
    });

    it('refuses malformed JSON, an empty JSON body and a body that is not an object with 400 ERR_BODY_INVALID', async () => {
      expect(await errorOf(await post('/api/incidents/INC-000001/acknowledge', '{"comment": "on my'))).toMatchObject({ status: 400, code: 'ERR_BODY_INVALID', message: 'the body is not valid JSON' });
      expect(await errorOf(await post('/api/incidents/INC-000001/acknowledge', ''))).toMatchObject({ status: 400, code: 'ERR_BODY_INVALID' });
      expect(await errorOf(await post('/api/incidents/INC-000001/acknowledge', '["on my way"]'))).toMatchObject({ status: 400, code: 'ERR_BODY_INVALID' });
    });

    it('refuses a body with unknown fields, naming them, and a name typed for the operator', async () => {
      const e = await errorOf(await post('/api/incidents/INC-000001/acknowledge', JSON.stringify({ comment: 'on my way', urgent: true, priority: 1 })));
      expect(e).toMatchObject({ status: 400, code: 'ERR_BODY_INVALID' });
      expect(e.message).toContain('unknown fields "urgent", "priority"');
      const named = await errorOf(await post('/api/incidents/INC-000001/acknowledge', JSON.stringify({ operator: 'Aigerim' })));
      expect(named).toMatchObject({ status: 400, code: 'ERR_BODY_INVALID', message: expect.stringContaining('operator is not accepted') });
    });

    it('answers an unknown incident with 404 ERR_INCIDENT_NOT_FOUND, from the catalogue', async () => {
      expect(await errorOf(await post('/api/incidents/INC-424242/resolve', JSON.stringify({ comment: 'done' })))).toMatchObject({ status: 404, code: 'ERR_INCIDENT_NOT_FOUND' });
      expect(await errorOf(await api('/api/incidents/INC-424242'))).toMatchObject({ status: 404, code: 'ERR_INCIDENT_NOT_FOUND' });
    });

    it('answers a websocket path asked for over plain HTTP with 426 ERR_UPGRADE_REQUIRED', async () => {
      expect(await errorOf(await api('/live'))).toMatchObject({ status: 426, code: 'ERR_UPGRADE_REQUIRED' });
      expect(await errorOf(await api('/mqtt'))).toMatchObject({ status: 426, code: 'ERR_UPGRADE_REQUIRED' });
    });

    it('answers a bad percent-encoding in the path with 400 ERR_URL_INVALID and an overlong id with 414 ERR_URL_TOO_LONG', async () => {
      expect(await errorOf(await api('/api/incidents/%E0%A4%A'))).toMatchObject({ status: 400, code: 'ERR_URL_INVALID' });
      const long = `/api/incidents/${'x'.repeat(500)}`;
      expect(await errorOf(await post(`${long}/resolve`, '{}'))).toMatchObject({ status: 414, code: 'ERR_URL_TOO_LONG' });
      // a GET falls through to the dashboard files, which have no such file
      expect(await errorOf(await api(long))).toMatchObject({ status: 404, code: 'ERR_NOT_FOUND' });
    });

    it('still serves the dashboard files and its bundle', async () => {
      const index = await api('/');
      expect(index.status).toBe(200);
      expect(await index.text()).toContain('<html');
      expect((await api('/style.css')).status).toBe(200);
      const bundle = await api('/app.js');
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
    });
  });

  describe('query strings', () => {
    const refused = async (path: string) => {
      const e = await errorOf(await api(path));
      expect(e, path).toMatchObject({ status: 400, code: 'ERR_QUERY_INVALID' });
      return e.message;
    };

    it('filters /api/devices by known subsystem, kind and district', async () => {
      const j = (await (await api('/api/devices?subsystem=utilities&kind=water-pressure&district=old-town')).json()) as { count: number; devices: { deviceId: string }[] };
      expect(j.devices.map((d) => d.deviceId)).toEqual(['wp-he-1']);
      expect(((await (await api('/api/devices?subsystem=mobility')).json()) as { count: number }).count).toBe(0);
    });

    it('refuses an unknown /api/devices filter value, saying which values are accepted', async () => {
      expect(await refused('/api/devices?subsystem=sewers')).toBe(`subsystem="sewers": one of ${SUBSYSTEMS.join(', ')}`);
      expect(await refused('/api/devices?kind=teapot')).toContain(`one of ${KIND_IDS.join(', ')}`);
      expect(await refused('/api/devices?district=atlantis')).toBe('district="atlantis": one of the districts with known devices: old-town');
    });

    it('refuses an unknown parameter, listing the accepted ones', async () => {
      expect(await refused('/api/devices?colour=red')).toBe('unknown parameter "colour" (accepted: subsystem, kind, district)');
      expect(await refused('/api/incidents?status=open')).toContain('unknown parameter "status" (accepted: state, utility, subsystem, district, severity, rule, limit)');
      expect(await refused('/health?verbose=1')).toBe('unknown parameter "verbose" (this path takes no parameters)');
      expect(await refused('/api/rules?all')).toContain('unknown parameter "all"');
    });

    it('refuses a parameter given twice', async () => {
      expect(await refused('/api/devices?subsystem=utilities&subsystem=mobility')).toBe('subsystem: given 2 times; give it once');
    });

    it('says which time formats /api/series takes when from is not one', async () => {
      const msg = await refused('/api/series?deviceId=wp-he-1&metric=pressure&from=yesterday');
      expect(msg).toMatch(/^from="yesterday": /);
      expect(msg).toContain('ms since epoch');
      expect(msg).toContain('ISO 8601');
      expect(await refused('/api/series?deviceId=wp-he-1&metric=pressure&step=fortnight')).toContain('a duration such as 30s, 5m, 1h');
      expect(await refused('/api/series?metric=pressure')).toBe('deviceId is required: the device, such as wp-0001');
      expect(await refused(`/api/series?deviceId=wp-he-1&metric=pressure&from=${T0}&to=${T0 - 1}`)).toContain('must be before');
      expect(await refused(`/api/series?deviceId=wp-he-1&metric=pressure&from=0&to=${T0}&step=1s`)).toContain('buckets');
    });

    it('serves /api/series with ISO and epoch times alike', async () => {
      await waitFor(async () => {
        const j = (await (await api(`/api/series?deviceId=wp-he-1&metric=pressure&from=2026-01-15T10:59:00%2B05:00&to=${T0 + 60_000}&step=1m`)).json()) as { from: number; points: { avg: number }[] };
        return j.from === T0 - 60_000 && j.points.length === 1 && j.points[0]!.avg === 3.6;
      }, 'the stored reading in /api/series');
    });

    it('refuses bad /api/incidents filters, saying what is accepted', async () => {
      expect(await refused('/api/incidents?state=closed')).toBe('state="closed": one of open, acknowledged, resolved, unresolved');
      expect(await refused('/api/incidents?severity=high')).toBe('severity="high": one of critical, major, minor, warning');
      expect(await refused('/api/incidents?limit=0')).toBe('limit="0": a whole number from 1 to 5000');
      expect(await refused('/api/incidents?utility=telecom')).toContain('one of water, heat, power');
    });

    // Values a client might send: good ones (so filters reach the store), edges, noise.
    const GOOD: Record<string, string[]> = {
      subsystem: ['utilities', 'mobility'], kind: ['water-pressure'], district: ['old-town'], deviceId: ['wp-he-1'], metric: ['pressure', 'flow'],
      from: [String(T0 - 60_000), '2026-01-15T06:00:00Z'], to: [String(T0 + 60_000), '2026-01-15T11:01:00+05:00'], step: ['1m', '1s', '250'],
      state: ['open', 'unresolved'], utility: ['water'], severity: ['major'], rule: ['water-low-pressure'], limit: ['1', '5000'],
    };
    const EDGES = ['', '0', '-1', '1e400', 'NaN', 'Infinity', '9'.repeat(16), '9'.repeat(30), '0.4', '999999d', '9999-12-31T23:59:59+14:00', '0000-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '__proto__', '%', '[]', '{"$gt":""}'];
    const valueFor = (key: string) =>
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...(GOOD[key] ?? ['x'])) },
        { weight: 3, arbitrary: fc.constantFrom(...EDGES) },
        { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String) },
        { weight: 1, arbitrary: fc.string() },
      );
    const queryOf = (keys: string[]) =>
      fc
        .tuple(fc.subarray(keys, { minLength: 0 }), fc.array(fc.tuple(fc.oneof(fc.constantFrom(...keys, '__proto__', 'constructor', ''), fc.string()), fc.string()), { maxLength: 1 }))
        .chain(([chosen, extra]) => fc.tuple(...chosen.map((k) => valueFor(k).map((v) => [k, v] as const))).map((ps) => [...ps, ...extra]))
        .map((ps) => ps.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
    const PATHS: Record<string, string[]> = {
      '/api/devices': ['subsystem', 'kind', 'district'],
      '/api/series': ['deviceId', 'metric', 'from', 'to', 'step'],
      '/api/incidents': ['state', 'utility', 'subsystem', 'district', 'severity', 'rule', 'limit'],
      '/api/rules': [],
      '/health': [],
    };

    it.each(Object.entries(PATHS))('never answers an arbitrary query string on %s with a server error', async (path, keys) => {
      const raw = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/#/g, '%23'));
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: queryOf(keys) }, { weight: 1, arbitrary: raw }), async (q) => {
          const res = await api(`${path}?${q}`);
          expect([200, 400], `${path}?${q}`).toContain(res.status);
          if (res.status === 400) expect((await errorOf(res)).code).toBe('ERR_QUERY_INVALID');
          else await res.arrayBuffer();
        }),
        { numRuns: keys.length ? 250 : 50 },
      );
    });

    it('never answers an arbitrary incident id with a server error', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 120 }), fc.constantFrom('', '/acknowledge', '/resolve'), async (id, action) => {
          const res = await api(`/api/incidents/${encodeURIComponent(id)}${action}`, action ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' } : undefined);
          expect(res.status, id).toBeLessThan(500);
          expect(res.status, id).toBeGreaterThanOrEqual(400);
          expect((await errorOf(res)).code).toMatch(/^ERR_(INCIDENT_NOT_FOUND|NOT_FOUND|URL_TOO_LONG|URL_INVALID|METHOD_NOT_ALLOWED)$/);
        }),
        { numRuns: 200 },
      );
    });
  });
});
