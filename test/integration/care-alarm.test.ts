// A pressed social-care alarm on a running platform: the incident opens for the
// social service with its response deadline, and when nobody acknowledges it in
// time (QALA_CARE_ALARM_RESPONSE_MIN, a few seconds here) it records
// 'deadline-missed', the social service's MQTT topic hears of it again, and the
// emergency response indicator counts the miss.
import { describe, expect, it } from 'vitest';
import type { Incident, IncidentMessage, KpiReport } from '../../services/contracts/index.ts';
import { client, loginAs } from '../helpers/auth.ts';
import { connectDevice, connectWatcher } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const RESPONSE_MIN = 0.05; // 3 s

describe('care-alarm response deadline on a running platform', () => {
  it('records a missed deadline, tells the social service again and counts it in the response indicator', async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { rulesSweepMs: 50, escalationCheckMs: 100, careAlarmResponseMin: RESPONSE_MIN }));
    const api = client(platform, await loginAs(platform, 'operator', { name: 'dana' }));
    const watcher = await connectWatcher(platform);
    const heard: IncidentMessage[] = [];
    watcher.on('message', (_t, p) => p.length > 0 && heard.push(JSON.parse(p.toString()) as IncidentMessage));
    await watcher.subscribeAsync('city/temirtau/incidents/social/#', { qos: 1 });
    const device = await connectDevice(platform);
    const topic = 'city/temirtau/social/old-town/care-alarm/ca-int-1/telemetry';
    const now = Math.floor(Date.now() / 1000) * 1000;
    for (const ts of [now - 60_000, now - 30_000]) await device.publishAsync(topic, JSON.stringify({ ts, metrics: { pressed: 1, battery: 80 } }), { qos: 1 });

    const opened = await waitFor(() => heard.find((m) => m.event === 'incident.opened' && m.incident.ruleId === 'care-alarm-pressed'), 'the pressed alarm published to the social service');
    expect(opened.incident).toMatchObject({ utility: 'social', severity: 'critical', escalation: { policy: 'care-alarm-response', step: 0 } });
    const { deadlineAt } = opened.incident.escalation!;
    expect(deadlineAt).toBeDefined();
    const missed = await waitFor(() => heard.find((m) => m.event === 'incident.deadline-missed'), 'the missed deadline published to the social service');
    expect(missed.incident.id).toBe(opened.incident.id);
    expect(missed.incident.escalation!.deadlineMissedAt!).toBeGreaterThanOrEqual(deadlineAt!);
    expect(missed.change).toMatchObject({ action: 'deadline-missed', by: 'escalation' });

    // acknowledged late: the miss stays on record, and the response indicator counts it
    const acked = (await (await api(`/api/incidents/${opened.incident.id}/acknowledge`, { method: 'POST', body: { comment: 'called back, resident fine' } })).json()) as Incident;
    expect(acked.history.map((c) => c.action)).toEqual(['opened', 'deadline-missed', 'acknowledged']);
    expect(acked.escalation).toMatchObject({ deadlineAt, deadlineMissedAt: missed.incident.escalation!.deadlineMissedAt });
    const report = (await (await api(`/api/kpis?from=${now - 3_600_000}`)).json()) as KpiReport;
    expect(report.indicators.find((i) => i.id === 'response-to-acknowledge')!.parts).toMatchObject({ withDeadline: 1, deadlinesMissed: 1, count: 1 });
    expect(platform.health()).toMatchObject({ escalation: { deadlinesMissed: 1 } });
  });
});
