// Incidents end to end with real parts: readings over MQTT raise an incident that is
// retained on the utility's topic, pushed on /live, delivered by a signed webhook to
// a real local HTTP endpoint that fails and then recovers, and managed over REST.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../services/incidents/incidents.ts';
import type { LiveMessage } from '../../services/live/live-hub.ts';
import type { Platform } from '../../services/platform.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'a-webhook-secret-for-tests-0123456789';
const T0 = Date.UTC(2026, 0, 15, 6, 0);
const TOPIC = 'city/temirtau/utilities/old-town/water-pressure/wp-inc-1/telemetry';

interface Hook { body: string; signature: string; timestamp: string; delivery: string }

describe('incidents: rules → incident → MQTT, webhook, live, REST', () => {
  let platform: Platform;
  let device: MqttClient;
  let watcher: MqttClient;
  let hookServer: Server;
  let hookUp = false;
  let refused = 0;
  const hooks: Hook[] = [];
  const retained = new Map<string, string>();
  const live: LiveMessage[] = [];
  let ws: WebSocket;
  let dataDir: string;
  const api = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${platform.httpPort}${path}`, init);
  const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    hookServer = createServer((req, res) => {
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
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hooks/qala`;
    dataDir = await tempDir();
    const routesFile = join(dataDir, 'routes.yaml');
    await writeFile(routesFile, `routes:\n  - utility: water\n    match: { utilities: [water] }\n    webhook: { url: "${hookUrl}", secret: "${SECRET}" }\n  - utility: city-control\n    match: { severities: [critical] }\n`);
    platform = await startPlatform(testConfig(dataDir, { routesFile, rulesSweepMs: 50 }));
    device = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, { protocolVersion: 4 });
    watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, { protocolVersion: 4 });
    watcher.on('message', (t, p) => retained.set(t, p.toString()));
    await watcher.subscribeAsync('city/temirtau/incidents/#', { qos: 1 });
    ws = new WebSocket(`ws://127.0.0.1:${platform.httpPort}/live`);
    ws.on('message', (d) => live.push(JSON.parse(d.toString()) as LiveMessage));
    await new Promise((r) => ws.once('open', r));
  });

  afterAll(async () => {
    ws?.close();
    await device?.endAsync();
    await watcher?.endAsync();
    await platform?.stop();
    await new Promise((r) => hookServer.close(r));
  });

  it('raises one incident for a low-pressure point, retained on the water utility topic and pushed live', async () => {
    // device time: 1.2 bar for three minutes (the rule wants two)
    for (let i = 0; i <= 6; i++) await device.publishAsync(TOPIC, JSON.stringify({ ts: T0 + i * 30_000, metrics: { pressure: 1.2, flow: 80 } }), { qos: 1 });
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
    const late = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, { protocolVersion: 4 });
    const got = new Promise<string>((r) => late.on('message', (_t, p) => r(p.toString())));
    await late.subscribeAsync(topic);
    expect(JSON.parse(await got).incident.id).toBe(inc.id);
    await late.endAsync();
  });

  it('delivers the webhook once the endpoint recovers, signed with HMAC-SHA256', async () => {
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

  it('acknowledges and resolves over REST with operator and comment, then clears the retained topic', async () => {
    const [inc] = ((await (await api('/api/incidents?state=open')).json()) as { incidents: Incident[] }).incidents;
    const bad = await post(`/api/incidents/${inc!.id}/acknowledge`, { comment: 'no name' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('operator');
    const ack = await post(`/api/incidents/${inc!.id}/acknowledge`, { operator: 'Aigerim', comment: 'crew dispatched' });
    expect(ack.status).toBe(200);
    expect(((await ack.json()) as Incident).state).toBe('acknowledged');
    expect((await post(`/api/incidents/${inc!.id}/acknowledge`, { operator: 'Aigerim' })).status).toBe(409);
    const res = await post(`/api/incidents/${inc!.id}/resolve`, { operator: 'Aigerim', comment: 'valve replaced' });
    expect(((await res.json()) as Incident).state).toBe('resolved');
    const one = (await (await api(`/api/incidents/${inc!.id}`)).json()) as Incident;
    expect(one.history.map((h) => `${h.action}/${h.by}`)).toEqual(['opened/rules', 'acknowledged/Aigerim', 'resolved/Aigerim']);
    expect((await api('/api/incidents/INC-424242')).status).toBe(404);
    await waitFor(() => retained.get(`city/temirtau/incidents/water/${inc!.id}`) === '', 'the retained message cleared');
    await waitFor(() => hooks.some((h) => JSON.parse(h.body).event === 'incident.resolved'), 'the resolved webhook');
  });

  it('keeps incidents and undelivered webhooks across a restart', async () => {
    hookUp = false;
    for (let i = 0; i <= 6; i++) await device.publishAsync(TOPIC.replace('wp-inc-1', 'wp-inc-2'), JSON.stringify({ ts: T0 + i * 30_000, metrics: { pressure: 1.1, flow: 80 } }), { qos: 1 });
    await waitFor(() => platform.incidents.list({ state: 'open' }).length === 1, 'the second incident');
    await waitFor(() => refused >= 3, 'a refused delivery of the second incident');
    await device.endAsync();
    await platform.stop();
    platform = await startPlatform(testConfig(dataDir, { routesFile: join(dataDir, 'routes.yaml'), rulesSweepMs: 50 }));
    device = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, { protocolVersion: 4 });
    expect(platform.incidents.list().map((i) => `${i.asset}:${i.state}`).sort()).toEqual(['wp-inc-1:resolved', 'wp-inc-2:open']);
    // the new broker holds the open incident's retained message again
    const open = platform.incidents.list({ state: 'open' })[0]!;
    const late = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, { protocolVersion: 4 });
    const got = new Promise<string>((r) => late.on('message', (_t, p) => r(p.toString())));
    await late.subscribeAsync(`city/temirtau/incidents/water/${open.id}`);
    expect(JSON.parse(await got).incident).toMatchObject({ id: open.id, state: 'open' });
    await late.endAsync();
    expect(platform.outbox.stats().pending).toBe(1);
    hookUp = true;
    await waitFor(() => hooks.some((h) => JSON.parse(h.body).incident.asset === 'wp-inc-2'), 'the webhook delivered after the restart', 15_000);
  });
});
