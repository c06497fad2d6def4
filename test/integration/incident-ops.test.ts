// Incident operations over real HTTP, MQTT and /live on a real platform: a silence
// (maintenance window) suppresses the webhook and the MQTT message but the incident
// is recorded, marked planned; comments, assignment, resolve, history search and
// the shift handover, held to the caller's role and utility and audited.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEntry, Handover, Incident, IncidentPage, LiveMessage, RuleSignal, Silence, SilenceView } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { client, loginAs, openWs, type Login } from '../helpers/auth.ts';
import { connectDevice, connectWatcher } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { hold } from '../helpers/resources.ts';
import { waitFor } from '../helpers/wait.ts';
import { webhookReceiver } from '../helpers/webhook.ts';

const SECRET = 'a-webhook-secret-for-tests-0123456789';
const T0 = Date.UTC(2026, 0, 15, 6, 0);
const topic = (district: string, device: string) => `city/temirtau/utilities/${district}/water-pressure/${device}/telemetry`;
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

/** Raises an incident as the rules would (the rules service signals on the event bus). */
function raise(platform: Platform, utility: 'water' | 'heat', asset: string, at = T0): Incident {
  const kind = utility === 'water' ? 'water-pressure' : 'heat-substation';
  const signal: RuleSignal = {
    type: 'raised', ruleId: `${utility}-test`, title: `${utility} fault`, severity: 'major', autoResolve: false, asset, district: 'old-town',
    subsystem: 'utilities', utility, kind, devices: [asset], evidence: [{ deviceId: asset, ts: at, metrics: { x: 1 } }], at, flaps: 0,
  };
  platform.events.emit('ruleSignalled', signal);
  return platform.incidents.list({ state: 'open' }).find((i) => i.asset === asset)!;
}

describe('incident operations', () => {
  it('a silence suppresses a webhook but records the incident', async () => {
    const hook = await webhookReceiver();
    const dataDir = await tempDir();
    const routesFile = join(dataDir, 'routes.yaml');
    await writeFile(routesFile, `routes:\n  - utility: water\n    match: { utilities: [water] }\n    webhook: { url: "${hook.url}", secret: "${SECRET}" }\n`);
    const platform = await startPlatform(testConfig(dataDir, { routesFile, rulesSweepMs: 50 }));
    const operator = await loginAs(platform, 'operator', { name: 'aigerim' });
    const api = client(platform, operator);
    const retained = new Map<string, string>();
    const watcher = await connectWatcher(platform);
    watcher.on('message', (t, p) => retained.set(t, p.toString()));
    await watcher.subscribeAsync('city/temirtau/incidents/#', { qos: 1 });

    // planned works in old-town, from a minute ago for an hour (silences run on the platform's clock)
    const now = Date.now();
    const created = await api('/api/silences', { method: 'POST', body: { match: { utility: 'water', district: 'old-town' }, startsAt: new Date(now - 60_000).toISOString(), endsAt: now + 3_600_000, comment: 'mains flushing, order 2026/114' } });
    expect(created.status).toBe(201);
    const silence = (await created.json()) as Silence;
    expect(silence).toMatchObject({ createdBy: 'aigerim', match: { utility: 'water', district: 'old-town' } });
    const listed = (await (await api('/api/silences?state=active')).json()) as { silences: SilenceView[] };
    expect(listed.silences.map((s) => s.id)).toEqual([silence.id]);

    // low pressure in old-town (silenced), then in new-town (not): both through MQTT and the rules
    const device = await connectDevice(platform);
    const lowPressure = async (district: string, asset: string) => {
      for (let i = 0; i <= 6; i++) await device.publishAsync(topic(district, asset), JSON.stringify({ ts: T0 + i * 30_000, metrics: { pressure: 1.2, flow: 80 } }), { qos: 1 });
    };
    const incidentOn = (asset: string) =>
      waitFor(async () => ((await (await api('/api/incidents?utility=water')).json()) as { incidents: Incident[] }).incidents.find((i) => i.asset === asset), `an incident on ${asset}`);
    await lowPressure('old-town', 'wp-sil-1');
    const planned = await incidentOn('wp-sil-1');
    expect(planned).toMatchObject({ state: 'open', planned: true, plannedBy: silence.id, district: 'old-town' });
    await lowPressure('new-town', 'wp-sil-2');
    const unplanned = await incidentOn('wp-sil-2');
    expect(unplanned.planned).toBeUndefined();

    // the outbox delivers to one endpoint in order, so once the later incident's webhook is in, the earlier one's would be
    await waitFor(() => hook.events().some((e) => e.incident.id === unplanned.id), 'the unsilenced incident delivered');
    expect(hook.events().filter((e) => e.incident.id === planned.id)).toEqual([]);
    await waitFor(() => retained.get(`city/temirtau/incidents/water/${unplanned.id}`), 'the unsilenced incident retained');
    expect(retained.has(`city/temirtau/incidents/water/${planned.id}`)).toBe(false);
    expect(platform.health()).toMatchObject({ notifier: { suppressed: 1 }, silences: { active: 1 } });
    // searchable apart: planned works and faults
    const plannedOnly = (await (await api('/api/incidents/search?planned=true')).json()) as IncidentPage;
    expect(plannedOnly.incidents.map((i) => i.id)).toEqual([planned.id]);

    // ended early: the next change to the planned incident is delivered
    expect((await api(`/api/silences/${silence.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(`/api/silences/${silence.id}`, { method: 'DELETE' })).status).toBe(409);
    expect((await api(`/api/incidents/${planned.id}/acknowledge`, { method: 'POST', body: { comment: 'flushing done, checking' } })).status).toBe(200);
    await waitFor(() => hook.events().find((e) => e.incident.id === planned.id && e.event === 'incident.acknowledged'), 'the acknowledgement delivered once the silence ended');
    const admin = await loginAs(platform, 'admin');
    const audit = (await (await client(platform, admin)('/api/audit?limit=1000')).json()) as { entries: AuditEntry[] };
    expect(audit.entries.filter((e) => e.action.startsWith('silence.')).map((e) => `${e.action}:${e.who}:${e.outcome}`).sort()).toEqual(['silence.add:user:aigerim:ok', 'silence.expire:user:aigerim:ok', 'silence.expire:user:aigerim:refused']);
  });

  it('escalates an unacknowledged incident to the city control route by the policy file, and tells it of the acknowledgement', async () => {
    const water = await webhookReceiver();
    const control = await webhookReceiver();
    const dataDir = await tempDir();
    const routesFile = join(dataDir, 'routes.yaml');
    await writeFile(routesFile, `routes:
  - utility: water
    match: { utilities: [water] }
    webhook: { url: "${water.url}", secret: "${SECRET}" }
  - utility: city-control
    match: { severities: [critical] }
    webhook: { url: "${control.url}", secret: "${SECRET}" }
`);
    const escalationFile = join(dataDir, 'escalation.yaml');
    // steps a fraction of a minute apart, so a real clock reaches them in a test
    await writeFile(escalationFile, 'policies:\n  - id: water-urgent\n    match: { utilities: [water] }\n    steps:\n      - afterMinutes: 0.001\n        routes: [city-control]\n');
    const platform = await startPlatform(testConfig(dataDir, { routesFile, escalationFile, escalationCheckMs: 100 }));
    const operator = await loginAs(platform, 'operator', { name: 'aigerim' });
    const api = client(platform, operator);
    expect(((await (await api('/api/escalation')).json()) as { policies: { id: string }[] }).policies.map((p) => p.id)).toEqual(['care-alarm-response', 'water-urgent']);
    const inc = raise(platform, 'water', 'wp-esc-1');
    const escalated = await waitFor(() => control.events().find((e) => e.incident.id === inc.id), 'the escalation delivered to city control');
    expect(escalated).toMatchObject({ event: 'incident.escalated', incident: { escalatedTo: ['city-control'], escalation: { policy: 'water-urgent', step: 1 } } });
    expect((await api(`/api/incidents/${inc.id}/acknowledge`, { method: 'POST', body: { comment: 'seen' } })).status).toBe(200);
    await waitFor(() => control.events().find((e) => e.incident.id === inc.id && e.event === 'incident.acknowledged'), 'the acknowledgement delivered to city control');
    expect(water.events().filter((e) => e.incident.id === inc.id).map((e) => e.event)).toContain('incident.opened');
    expect(platform.health()).toMatchObject({ escalation: { policies: 2, escalated: 1 } });
  });

  it('comments, assigns, resolves with a comment, and finds it again in the history and the handover, live on /live', async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { incidentMaxComments: 2, incidentCommentMaxChars: 50 }));
    const operator = await loginAs(platform, 'operator', { name: 'aigerim' });
    const api = client(platform, operator);
    const post = (path: string, body: unknown) => api(path, { method: 'POST', body });
    const { ws, messages } = await openWs(`ws://127.0.0.1:${platform.httpPort}/live`, operator.headers);
    hold('/live websocket', () => ws!.close());
    const since = Date.now();
    const inc = raise(platform, 'water', 'wp-ops-1');

    const commented = await post(`/api/incidents/${inc.id}/comment`, { comment: 'crew 4 on the way' });
    expect(commented.status).toBe(200);
    expect(((await commented.json()) as Incident).comments).toBe(1);
    await waitFor(
      () => messages.map((m) => JSON.parse(m) as LiveMessage).find((m) => m.type === 'update' && m.incidents.some((i) => i.id === inc.id && i.history.some((h) => h.action === 'commented' && h.comment === 'crew 4 on the way'))),
      'the comment on /live',
    );
    expect(await errorOf(await post(`/api/incidents/${inc.id}/comment`, { comment: '   ' }))).toMatchObject({ code: 'ERR_COMMENT_REQUIRED' });
    expect(await errorOf(await post(`/api/incidents/${inc.id}/comment`, { comment: 'x'.repeat(51) }))).toMatchObject({ code: 'ERR_COMMENT_TOO_LONG', message: expect.stringContaining('QALA_INCIDENT_COMMENT_MAX_CHARS') });
    expect((await post(`/api/incidents/${inc.id}/comment`, { comment: 'valve located' })).status).toBe(200);
    const full = await post(`/api/incidents/${inc.id}/comment`, { comment: 'one too many' });
    expect(full.status).toBe(409);
    expect(await errorOf(full)).toMatchObject({ code: 'ERR_INCIDENT_COMMENTS_FULL', message: expect.stringContaining('QALA_INCIDENT_MAX_COMMENTS') });

    // assign: to someone who may act on it; a viewer or another utility's user is refused
    const viewer = await loginAs(platform, 'viewer', { name: 'dana' });
    await loginAs(platform, 'utility', { name: 'heat-crew', utility: 'heat' });
    expect(await errorOf(await post(`/api/incidents/${inc.id}/assign`, { assignee: viewer.name }))).toMatchObject({ code: 'ERR_ASSIGNEE_INVALID' });
    expect(await errorOf(await post(`/api/incidents/${inc.id}/assign`, { assignee: 'heat-crew' }))).toMatchObject({ code: 'ERR_ASSIGNEE_INVALID' });
    expect(await errorOf(await post(`/api/incidents/${inc.id}/assign`, { assignee: 'nobody' }))).toMatchObject({ code: 'ERR_ASSIGNEE_INVALID' });
    const assigned = (await (await post(`/api/incidents/${inc.id}/assign`, { assignee: 'aigerim', comment: 'mine' })).json()) as Incident;
    expect(assigned.assignee).toBe('aigerim');
    // a viewer reads but does not act
    expect((await client(platform, viewer)(`/api/incidents/${inc.id}/comment`, { method: 'POST', body: { comment: 'hi' } })).status).toBe(403);

    const resolved = (await (await post(`/api/incidents/${inc.id}/resolve`, { comment: 'valve replaced' })).json()) as Incident;
    expect(resolved.history.map((h) => `${h.action}/${h.by}${h.assignee ? `→${h.assignee}` : ''}:${h.comment ?? ''}`)).toEqual([
      'opened/rules:', 'commented/aigerim:crew 4 on the way', 'commented/aigerim:valve located', 'assigned/aigerim→aigerim:mine', 'resolved/aigerim:valve replaced',
    ]);

    // history search: resolved incidents stay findable, paged newest first
    const other = raise(platform, 'water', 'wp-ops-2', T0 + 60_000);
    const heat = raise(platform, 'heat', 'hs-ops-1', T0 + 120_000);
    const page1 = (await (await api('/api/incidents/search?utility=water&limit=1')).json()) as IncidentPage;
    expect(page1.incidents.map((i) => i.id)).toEqual([other.id]);
    const page2 = (await (await api(`/api/incidents/search?utility=water&limit=1&cursor=${page1.next}`)).json()) as IncidentPage;
    expect(page2.incidents.map((i) => i.id)).toEqual([inc.id]);
    expect(page2.next).toBeUndefined();
    const resolvedOnly = (await (await api(`/api/incidents/search?state=resolved&rule=water-test&from=${T0 - 1}&to=${T0 + 1}`)).json()) as IncidentPage;
    expect(resolvedOnly.incidents.map((i) => i.id)).toEqual([inc.id]);
    expect(await errorOf(await api('/api/incidents/search?limit=501'))).toMatchObject({ code: 'ERR_QUERY_INVALID' });
    expect(await errorOf(await api('/api/incidents/search?cursor=bogus'))).toMatchObject({ code: 'ERR_QUERY_INVALID' });

    // a utility user searches and hands over only its own network's incidents
    const heatCrew = client(platform, await loginAs(platform, 'utility', { utility: 'heat' }));
    expect(((await (await heatCrew('/api/incidents/search')).json()) as IncidentPage).incidents.map((i) => i.id)).toEqual([heat.id]);
    expect((await heatCrew('/api/incidents/search?utility=water')).status).toBe(403);
    expect((await heatCrew(`/api/incidents/${inc.id}/comment`, { method: 'POST', body: { comment: 'not ours' } })).status).toBe(404);

    // handover since before the first: three opened (their opened entries are at device time T0…), one still open of water
    const handover = (await (await api(`/api/incidents/handover?since=${T0 - 1}`)).json()) as Handover;
    expect(handover.opened.map((i) => i.id).sort()).toEqual([inc.id, other.id, heat.id].sort());
    expect(handover.stillOpen.map((i) => i.id).sort()).toEqual([other.id, heat.id].sort());
    // since now: nothing opened (device time lies before), the resolved one changed since `since`
    const later = (await (await api(`/api/incidents/handover?since=${since}`)).json()) as Handover;
    expect(later.opened).toEqual([]);
    expect(later.changed.map((i) => i.id)).toEqual([inc.id]);
    expect(((await (await heatCrew(`/api/incidents/handover?since=${T0 - 1}`)).json()) as Handover).opened.map((i) => i.id)).toEqual([heat.id]);

    const admin = await loginAs(platform, 'admin');
    const audit = (await (await client(platform, admin)('/api/audit?limit=1000')).json()) as { entries: AuditEntry[] };
    const ok = audit.entries.filter((e) => e.action.startsWith('incident.') && e.outcome === 'ok').map((e) => `${e.action}:${e.who}`);
    expect(ok.sort()).toEqual(['incident.assign:user:aigerim', 'incident.comment:user:aigerim', 'incident.comment:user:aigerim', 'incident.resolve:user:aigerim']);
  });
});
