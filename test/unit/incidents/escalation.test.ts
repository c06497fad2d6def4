// Escalation on a fake clock: an incident nobody acknowledges is notified again,
// escalated to the city control room's route, then reminded until acknowledged;
// acknowledging stops it, a restart resumes it, a silence holds it back. The
// incident manager, escalator and notifier are the real ones, on a ManualClock; the
// notifier's deliveries are read off its outbox port and its MQTT publishes off a bus.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Bus } from '../../../services/bus/bus.ts';
import { ManualClock } from '../../../services/clock.ts';
import type { EscalationPolicy, IncidentMessage, RuleSignal } from '../../../services/contracts/index.ts';
import { EventBus } from '../../../services/events.ts';
import { EscalationPlan, Escalator, loadEscalation, withBuiltinPolicies } from '../../../services/incidents/escalation.ts';
import { IncidentManager } from '../../../services/incidents/incidents.ts';
import { responseDeadlines } from '../../../services/kpis/response.ts';
import { Notifier } from '../../../services/incidents/notifier.ts';
import type { Route } from '../../../services/incidents/routing.ts';
import { SilenceStore } from '../../../services/incidents/silences.ts';
import { createLogger } from '../../../services/log.ts';
import { tempDir } from '../../helpers/platform.ts';

const T0 = Date.UTC(2026, 0, 15, 6);
const MIN = 60_000;
const log = createLogger('silent', 'json');

const POLICIES: EscalationPolicy[] = [
  { id: 'water-urgent', match: { utilities: ['water'], severities: ['critical', 'major'] }, steps: [{ afterMinutes: 5, routes: [] }, { afterMinutes: 15, routes: ['city-control'] }], remindEveryMinutes: 10 },
];
const ROUTES: Route[] = [
  { utility: 'water', match: { utilities: ['water'] }, mqtt: true, webhook: { url: 'http://water.example/hook', secret: 'a-webhook-secret-of-length' } },
  { utility: 'city-control', match: { severities: ['critical'] }, mqtt: true, webhook: { url: 'http://control.example/hook', secret: 'a-webhook-secret-of-length' } },
  { utility: 'social', match: { utilities: ['social'] }, mqtt: true, webhook: { url: 'http://social.example/hook', secret: 'a-webhook-secret-of-length' } },
];

const raised = (at: number, severity: RuleSignal['severity'] = 'major', asset = 'wp-1'): RuleSignal => ({
  type: 'raised', ruleId: 'water-low-pressure', title: 'Low water pressure', severity, autoResolve: false, asset, district: 'old-town', subsystem: 'utilities', utility: 'water',
  kind: 'water-pressure', devices: [asset], evidence: [{ deviceId: asset, ts: at, metrics: { pressure: 1.2 } }], at, flaps: 0,
});

async function town(dataDir: string, clock: ManualClock, policies = POLICIES) {
  const events = new EventBus(log);
  const silences = new SilenceStore({ dataDir, clock, maxSilences: 10 });
  const incidents = new IncidentManager({ dataDir, clock, events, silences, escalation: new EscalationPlan(policies) });
  /** `<route>:<event>@<minutes since T0>`, for each delivery the notifier hands the outbox */
  const sent: string[] = [];
  const published: string[] = [];
  const bus: Bus = { subscribe: async () => async () => undefined, publish: async (topic, payload) => void (payload.length > 0 && published.push(topic)) };
  const outbox = { enqueue: (_url: string, route: string, body: string) => void sent.push(`${route}:${(JSON.parse(body) as IncidentMessage).event}@${(clock.now() - T0) / MIN}`) };
  const notifier = new Notifier({ town: 'temirtau', bus, routes: ROUTES, outbox, events, log, silences, now: () => clock.now(), unresolved: () => [] });
  const escalator = new Escalator({ policies, clock, checkMs: 1000, silences }, incidents);
  await silences.start();
  await incidents.start();
  await notifier.start();
  await escalator.start();
  const stop = async () => {
    await escalator.stop();
    await notifier.stop();
    await incidents.stop();
    await silences.stop();
  };
  return { events, incidents, silences, escalator, sent, published, stop };
}

describe('escalation', () => {
  it('escalation fires on a fake clock: re-notifies, escalates to city control, reminds until acknowledged', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(T0);
    const t = await town(dir, clock);
    t.events.emit('ruleSignalled', raised(T0));
    const id = t.incidents.list()[0]!.id;
    expect(t.incidents.get(id).escalation).toEqual({ policy: 'water-urgent', step: 0, reminders: 0, nextAt: T0 + 5 * MIN });
    clock.advance(4 * MIN);
    expect(t.sent).toEqual(['water:incident.opened@0']);
    clock.advance(1 * MIN);
    expect(t.sent).toEqual(['water:incident.opened@0', 'water:incident.escalated@5']);
    clock.advance(10 * MIN);
    expect(t.sent.slice(2)).toEqual(['city-control:incident.escalated@15']);
    expect(t.published).toContain(`city/temirtau/incidents/city-control/${id}`);
    clock.advance(20 * MIN);
    expect(t.sent.slice(3)).toEqual(['water:incident.reminded@25', 'city-control:incident.reminded@25', 'water:incident.reminded@35', 'city-control:incident.reminded@35']);
    // history says who did what: the escalation's steps and the routes they reached
    expect(t.incidents.get(id).history.map((h) => `${h.action}/${h.by}${h.step ? `#${h.step}` : ''}${h.routes?.length ? `→${h.routes.join('+')}` : ''}`)).toEqual([
      'opened/rules', 'escalated/escalation#1', 'escalated/escalation#2→city-control', 'reminded/escalation→city-control', 'reminded/escalation→city-control',
    ]);
    // acknowledged: city control hears of it too (it was escalated there), and nothing more is sent
    t.incidents.acknowledge(id, 'aigerim', 'crew dispatched');
    expect(t.sent.slice(7)).toEqual(['water:incident.acknowledged@35', 'city-control:incident.acknowledged@35']);
    expect(t.incidents.get(id).escalation).toEqual({ policy: 'water-urgent', step: 2, reminders: 2 }); // nothing more due
    clock.advance(120 * MIN);
    expect(t.sent).toHaveLength(9);
    await t.stop();
  });

  it('resumes after a restart from the step the journal holds', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(T0);
    const first = await town(dir, clock);
    first.events.emit('ruleSignalled', raised(T0));
    clock.advance(6 * MIN); // step 1 taken, step 2 due at 15
    await first.stop();
    const second = await town(dir, clock);
    const id = second.incidents.list()[0]!.id;
    expect(second.incidents.get(id).escalation).toMatchObject({ step: 1, nextAt: T0 + 15 * MIN });
    clock.advance(8 * MIN);
    expect(second.sent).toEqual([]);
    clock.advance(1 * MIN);
    expect(second.sent).toEqual(['city-control:incident.escalated@15']);
    await second.stop();
  });

  it('holds back an incident under an active silence, and escalates it once the silence ends', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(T0);
    const t = await town(dir, clock);
    t.silences.add({ match: { utility: 'water', district: 'old-town' }, startsAt: T0, endsAt: T0 + 30 * MIN, comment: 'mains flushing' }, 'aigerim');
    t.events.emit('ruleSignalled', raised(T0));
    const id = t.incidents.list()[0]!.id;
    expect(t.incidents.get(id)).toMatchObject({ planned: true, plannedBy: expect.stringMatching(/^SIL-/) });
    clock.advance(29 * MIN);
    expect(t.sent).toEqual([]); // neither the opening nor a step
    expect(t.escalator.stats().skippedSilenced).toBeGreaterThan(0);
    clock.advance(1 * MIN);
    expect(t.sent).toEqual(['water:incident.escalated@30']);
    await t.stop();
  });

  it('starts the escalation again when a resolved incident reopens as a flap', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(T0);
    const t = await town(dir, clock);
    t.events.emit('ruleSignalled', { ...raised(clock.now()), autoResolve: true });
    const id = t.incidents.list()[0]!.id;
    t.events.emit('ruleSignalled', { ...raised(clock.now()), type: 'cleared', autoResolve: true });
    expect(t.incidents.get(id)).toMatchObject({ state: 'resolved', escalation: { step: 0 } });
    expect(t.incidents.get(id).escalation?.nextAt).toBeUndefined(); // nothing due on a resolved incident
    clock.advance(10 * MIN);
    expect(t.sent.filter((s) => s.includes('escalated'))).toEqual([]);
    t.events.emit('ruleSignalled', { ...raised(clock.now()), autoResolve: true }); // back within the flap window: the same incident reopens
    expect(t.incidents.get(id)).toMatchObject({ state: 'open', escalation: { step: 0, nextAt: clock.now() + 5 * MIN } });
    clock.advance(5 * MIN);
    expect(t.sent.at(-1)).toBe('water:incident.escalated@15');
    await t.stop();
  });

  it('leaves incidents no policy covers alone', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(T0);
    const t = await town(dir, clock);
    t.events.emit('ruleSignalled', raised(T0, 'minor'));
    clock.advance(300 * MIN);
    expect(t.sent).toEqual(['water:incident.opened@0']);
    expect(t.incidents.list()[0]!.escalation).toBeUndefined();
    await t.stop();
  });

  it('refuses a policy file naming a route the routes file lacks, or steps out of order, naming the field', async () => {
    const dir = await tempDir();
    const file = join(dir, 'escalation.yaml');
    writeFileSync(file, 'policies:\n  - id: p\n    steps:\n      - afterMinutes: 5\n        routes: [city-contrl]\n');
    expect(() => loadEscalation(file, ['water', 'city-control'])).toThrow(/policies\.0\.steps\.0\.routes: "city-contrl" is not a route/);
    writeFileSync(file, 'policies:\n  - id: p\n    steps:\n      - afterMinutes: 15\n      - afterMinutes: 5\n');
    expect(() => loadEscalation(file, [])).toThrow(/steps must come later/);
    writeFileSync(file, 'policies:\n  - id: p\n    match: { utilities: [water] }\n    steps:\n      - afterMinutes: 5\n    remindEveryMinutes: 30\n');
    expect(loadEscalation(file, [])).toEqual([{ id: 'p', match: { utilities: ['water'] }, steps: [{ afterMinutes: 5, routes: [] }], remindEveryMinutes: 30 }]);
  });
});

/** A pressed care alarm of north's pendant ca-1 (critical: city control's route hears of it from the start, as it does of every critical incident). */
const pressed = (at: number, asset = 'ca-1'): RuleSignal => ({
  type: 'raised', ruleId: 'care-alarm-pressed', title: 'Care alarm pressed', severity: 'critical', autoResolve: true, asset, district: 'north', subsystem: 'social', utility: 'social',
  kind: 'care-alarm', devices: [asset], evidence: [{ deviceId: asset, ts: at, metrics: { pressed: 1, battery: 80 } }], at, flaps: 0,
});

describe('the care-alarm response deadline', () => {
  // the platform's policies with no escalation file: the built-in one alone, 30 minutes
  const policies = withBuiltinPolicies([], 30, ROUTES.map((r) => r.utility));

  it('records a missed deadline at 30 minutes, tells the social service again, escalates to city control 10 minutes on, then reminds', async () => {
    const clock = new ManualClock(T0);
    const t = await town(await tempDir(), clock, policies);
    t.events.emit('ruleSignalled', pressed(T0));
    const id = t.incidents.list()[0]!.id;
    expect(t.incidents.get(id).escalation).toEqual({ policy: 'care-alarm-response', step: 0, reminders: 0, deadlineAt: T0 + 30 * MIN, nextAt: T0 + 40 * MIN });
    clock.advance(29 * MIN);
    expect(t.sent).toEqual(['city-control:incident.opened@0', 'social:incident.opened@0']);
    clock.advance(1 * MIN);
    expect(t.sent.slice(2)).toEqual(['city-control:incident.deadline-missed@30', 'social:incident.deadline-missed@30']);
    expect(t.incidents.get(id).escalation).toMatchObject({ deadlineMissedAt: T0 + 30 * MIN, step: 0 });
    expect(t.escalator.stats().deadlinesMissed).toBe(1);
    clock.advance(10 * MIN);
    expect(t.sent.slice(4)).toEqual(['city-control:incident.escalated@40']);
    clock.advance(10 * MIN);
    expect(t.sent.slice(5)).toEqual(['city-control:incident.reminded@50', 'social:incident.reminded@50']);
    expect(t.incidents.get(id).history.map((h) => `${h.action}/${h.by}${h.routes?.length ? `→${h.routes.join('+')}` : ''}`)).toEqual([
      'opened/rules', 'deadline-missed/escalation', 'escalated/escalation→city-control', 'reminded/escalation→city-control',
    ]);
    // acknowledged at last: nothing more is due, and the deadline and its miss stay on record
    t.incidents.acknowledge(id, 'social-duty', 'neighbour sent, resident fell, ambulance called');
    expect(t.incidents.get(id).escalation).toEqual({ policy: 'care-alarm-response', step: 1, reminders: 1, deadlineAt: T0 + 30 * MIN, deadlineMissedAt: T0 + 30 * MIN });
    const sentBy = t.sent.length;
    clock.advance(60 * MIN);
    expect(t.sent.slice(sentBy - 2)).toEqual(['city-control:incident.acknowledged@50', 'social:incident.acknowledged@50']);
    expect(t.escalator.stats().deadlinesMissed).toBe(1);
    await t.stop();
  });

  it('records nothing for an alarm acknowledged in time, and the response indicator counts one missed of two', async () => {
    const clock = new ManualClock(T0);
    const t = await town(await tempDir(), clock, policies);
    t.events.emit('ruleSignalled', pressed(T0, 'ca-1'));
    t.events.emit('ruleSignalled', pressed(T0, 'ca-2'));
    const [a, b] = t.incidents.list().map((i) => i.id).sort();
    clock.advance(29 * MIN);
    t.incidents.acknowledge(a!, 'social-duty');
    clock.advance(60 * MIN);
    expect(t.incidents.get(a!).history.map((h) => h.action)).toEqual(['opened', 'acknowledged']);
    expect(t.incidents.get(b!).history.map((h) => h.action)).toContain('deadline-missed');
    expect(t.sent.filter((x) => x.includes('deadline-missed'))).toEqual(['city-control:incident.deadline-missed@30', 'social:incident.deadline-missed@30']);
    expect(responseDeadlines(t.incidents.list(), { from: T0, to: T0 + 2 * 60 * MIN })).toEqual({ withDeadline: 2, missed: 1 });
    await t.stop();
  });

  it('keeps a missed deadline across a restart and does not record it twice', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(T0);
    const first = await town(dir, clock, policies);
    first.events.emit('ruleSignalled', pressed(T0));
    clock.advance(31 * MIN);
    await first.stop();
    const second = await town(dir, clock, policies);
    const id = second.incidents.list()[0]!.id;
    expect(second.incidents.get(id).escalation).toMatchObject({ deadlineAt: T0 + 30 * MIN, deadlineMissedAt: T0 + 30 * MIN });
    clock.advance(8 * MIN);
    expect(second.sent).toEqual([]);
    clock.advance(1 * MIN);
    expect(second.sent).toEqual(['city-control:incident.escalated@40']);
    await second.stop();
  });

  it('lets an escalation file replace the built-in policy by its id, and puts the built-in one before the file\'s', () => {
    const own = { id: 'care-alarm-response', match: { rules: ['care-alarm-pressed'] }, responseMinutes: 15, steps: [{ afterMinutes: 15, routes: [] }], remindEveryMinutes: 5 };
    const water = POLICIES[0]!;
    expect(withBuiltinPolicies([water, own], 30, []).map((p) => [p.id, p.responseMinutes])).toEqual([['care-alarm-response', 15], ['water-urgent', undefined]]);
    // without a city-control route, the step after the deadline tells the social service again
    expect(withBuiltinPolicies([water], 30, ['social'])[0]).toMatchObject({ id: 'care-alarm-response', builtin: true, responseMinutes: 30, steps: [{ afterMinutes: 40, routes: [] }] });
  });
});

