// Incidents end to end with real parts: readings over MQTT raise an incident that is
// retained on the utility's topic, pushed on /live, delivered by a signed webhook to
// a real local HTTP endpoint that fails and then recovers, and managed over REST.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../services/contracts/index.ts';
import type { LiveMessage } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { connectDevice, connectWatcher } from '../helpers/mqtt.ts';
import { client, loginAs, type Login } from '../helpers/auth.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { hold } from '../helpers/resources.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'a-webhook-secret-for-tests-0123456789';
const T0 = Date.UTC(2026, 0, 15, 6, 0);
const TOPIC = 'city/temirtau/utilities/old-town/water-pressure/wp-inc-1/telemetry';

interface Hook { body: string; signature: string; timestamp: string; delivery: string }

// Every test gets its own platform, webhook endpoint (down until a test brings it up)
// and clients, so each passes alone and in any order; the helpers release them all.
describe('incidents: rules → incident → MQTT, webhook, live, REST', () => {
  let platform: Platform;
  let device: MqttClient;
  let hookUp: boolean;
  let refused: number;
  let hooks: Hook[];
  let retained: Map<string, string>;
  let live: LiveMessage[];
  let dataDir: string;
  /** the operator on duty, logged in: the name the incidents' history records */
  let operator: Login;
  const api = (path: string, init?: RequestInit) => client(platform, operator)(path, init);
  const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** Device time: a water-pressure point at `pressure` bar for three minutes (the rule wants two). */
  const lowPressure = async (asset: string, pressure: number) => {
    for (let i = 0; i <= 6; i++) await device.publishAsync(TOPIC.replace('wp-inc-1', asset), JSON.stringify({ ts: T0 + i * 30_000, metrics: { pressure, flow: 80 } }), { qos: 1 });
  };
  const openIncident = (asset: string) =>
    waitFor(async () => {
      const j = (await (await api('/api/incidents?state=open&utility=water')).json()) as { incidents: Incident[] };
      return j.incidents.find((i) => i.asset === asset);
    }, `an open water incident on ${asset}`);

  beforeEach(async () => {
    hookUp = false;
    refused = 0;
    hooks = [];
    retained = new Map();
    live = [];
    const hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (!hookUp) {
          refused++;
          res.writeHead(503).end();
          return;
        }
        hooks.push({ body, signature: String(req.headers['x-qala-signature']), timestamp: String(req.headers['x-qala-timestamp']), delivery: String(req.headers['x-qala-delivery']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    hold('webhook endpoint', () => new Promise((r) => hookServer.close(r)));
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hooks/qala`;
    dataDir = await tempDir();
    const routesFile = join(dataDir, 'routes.yaml');
    await writeFile(routesFile, `routes:\n  - utility: water\n    match: { utilities: [water] }\n    webhook: { url: "${hookUrl}", secret: "${SECRET}" }\n  - utility: city-control\n    match: { severities: [critical] }\n`);
    platform = await startPlatform(testConfig(dataDir, { routesFile, rulesSweepMs: 50 }));
    operator = await loginAs(platform, 'operator', { name: 'aigerim' });
    device = await connectDevice(platform);
    const watcher = await connectWatcher(platform);
    watcher.on('message', (t, p) => retained.set(t, p.toString()));
    await watcher.subscribeAsync('city/temirtau/incidents/#', { qos: 1 });
    const ws = new WebSocket(`ws://127.0.0.1:${platform.httpPort}/live`, { headers: operator.headers });
    hold('/live websocket', () => ws.close());
    ws.on('message', (d) => live.push(JSON.parse(d.toString()) as LiveMessage));
    await new Promise((r) => ws.once('open', r));
  });

  it('raises one incident for a low-pressure point, retained on the water utility topic and pushed live', async () => {
    await lowPressure('wp-inc-1', 1.2);
    const list = await waitFor(async () => {
      const j = (await (await api('/api/incidents?state=open&utility=water')).json()) as { incidents: Incident[] };
      return j.incidents.length > 0 ? j.incidents : undefined;
    }, 'an open water incident');
    expect(list).toHaveLength(1);
    const inc = list[0]!;
    expect(inc).toMatchObject({ ruleId: 'water-low-pressure', asset: 'wp-inc-1', district: 'old-town', severity: 'major', subsystem: 'utilities', utility: 'water', openedAt: T0 });
    expect(inc.evidence[0]!.metrics.pressure).toBe(1.2);
    const topic = `city/temirtau/incidents/water/${inc.id}`;
    await waitFor(() => retained.get(topic), 'the retained incident message');
    expect(JSON.parse(retained.get(topic)!)).toMatchObject({ event: 'incident.opened', incident: { id: inc.id, state: 'open' } });
    // a major incident is not routed to the critical-only control-room route
    expect([...retained.keys()].some((t) => t.includes('/city-control/'))).toBe(false);
    await waitFor(() => live.find((m) => m.type === 'update' && m.incidents.some((i) => i.id === inc.id)), 'the incident on /live');
    // a late subscriber gets the retained copy
    const late = await connectWatcher(platform, { clientId: `late-${Date.now()}` });
    const got = new Promise<string>((r) => late.on('message', (_t, p) => r(p.toString())));
    await late.subscribeAsync(topic);
    expect(JSON.parse(await got).incident.id).toBe(inc.id);
    await late.endAsync();
  });

  it('delivers the webhook once the endpoint recovers, signed with HMAC-SHA256', async () => {
    await lowPressure('wp-inc-1', 1.2);
    await openIncident('wp-inc-1');
    await waitFor(() => refused >= 2, 'two refused delivery attempts');
    expect(hooks).toHaveLength(0);
    expect(platform.outbox.stats().pending).toBeGreaterThan(0);
    hookUp = true;
    const hook = await waitFor(() => hooks[0], 'a delivered webhook', 15_000);
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${hook.timestamp}.${hook.body}`).digest('hex')}`;
    expect(hook.signature).toBe(expected);
    expect(JSON.parse(hook.body)).toMatchObject({ event: 'incident.opened', incident: { ruleId: 'water-low-pressure' } });
    await waitFor(() => platform.outbox.stats().pending === 0, 'an empty outbox');
  });

  it('acknowledges and resolves over REST as the logged-in operator with a comment, then clears the retained topic', async () => {
    hookUp = true;
    await lowPressure('wp-inc-1', 1.2);
    await openIncident('wp-inc-1');
    const [inc] = ((await (await api('/api/incidents?state=open')).json()) as { incidents: Incident[] }).incidents;
    // the operator is who is logged in: a name in the body is refused
    const bad = await post(`/api/incidents/${inc!.id}/acknowledge`, { operator: 'Mallory', comment: 'not me' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('operator');
    const ack = await post(`/api/incidents/${inc!.id}/acknowledge`, { comment: 'crew dispatched' });
    expect(ack.status).toBe(200);
    expect(((await ack.json()) as Incident).state).toBe('acknowledged');
    expect((await post(`/api/incidents/${inc!.id}/acknowledge`, {})).status).toBe(409);
    const res = await post(`/api/incidents/${inc!.id}/resolve`, { comment: 'valve replaced' });
    expect(((await res.json()) as Incident).state).toBe('resolved');
    const one = (await (await api(`/api/incidents/${inc!.id}`)).json()) as Incident;
    expect(one.history.map((h) => `${h.action}/${h.by}`)).toEqual(['opened/rules', 'acknowledged/aigerim', 'resolved/aigerim']);
    expect((await api('/api/incidents/INC-424242')).status).toBe(404);
    await waitFor(() => retained.get(`city/temirtau/incidents/water/${inc!.id}`) === '', 'the retained message cleared');
    await waitFor(() => hooks.some((h) => JSON.parse(h.body).event === 'incident.resolved'), 'the resolved webhook');
  });

  it('keeps incidents and undelivered webhooks across a restart', async () => {
    // a first incident, resolved and its webhooks delivered
    hookUp = true;
    await lowPressure('wp-inc-1', 1.2);
    const first = await openIncident('wp-inc-1');
    expect((await post(`/api/incidents/${first.id}/resolve`, { comment: 'valve replaced' })).status).toBe(200);
    await waitFor(() => hooks.some((h) => JSON.parse(h.body).event === 'incident.resolved') && platform.outbox.stats().pending === 0, 'the first incident\'s webhooks delivered');
    // a second one whose webhook the endpoint refuses
    hookUp = false;
    await lowPressure('wp-inc-2', 1.1);
    await waitFor(() => platform.incidents.list({ state: 'open' }).length === 1, 'the second incident');
    await waitFor(() => refused >= 1, 'a refused delivery of the second incident');
    await device.endAsync();
    await platform.stop();
    platform = await startPlatform(testConfig(dataDir, { routesFile: join(dataDir, 'routes.yaml'), rulesSweepMs: 50 }));
    expect(platform.incidents.list().map((i) => `${i.asset}:${i.state}`).sort()).toEqual(['wp-inc-1:resolved', 'wp-inc-2:open']);
    // the new broker holds the open incident's retained message again
    const open = platform.incidents.list({ state: 'open' })[0]!;
    const late = await connectWatcher(platform, { clientId: `late-${Date.now()}` });
    const got = new Promise<string>((r) => late.on('message', (_t, p) => r(p.toString())));
    await late.subscribeAsync(`city/temirtau/incidents/water/${open.id}`);
    expect(JSON.parse(await got).incident).toMatchObject({ id: open.id, state: 'open' });
    await late.endAsync();
    expect(platform.outbox.stats().pending).toBe(1);
    hookUp = true;
    await waitFor(() => hooks.some((h) => JSON.parse(h.body).incident.asset === 'wp-inc-2'), 'the webhook delivered after the restart', 15_000);
  });
});
