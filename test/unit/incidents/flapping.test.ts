// One device flapping around a threshold 10,000 times, with the webhook endpoint
// down: the journals stay small, and a restart reads them back fast and the same.
//
// Bounds, from the design (incident-log.ts, journal.ts, outbox.ts):
// - incidents.jsonl: compacted while running once it is over 4 MiB and 4× the live
//   state, so it stays under 4 MiB plus what is appended while one compaction runs
//   (asserted: under 5 MiB). A flap appends one {id, change, patch} line (~0.4 KB).
// - outbox.jsonl: a flapping incident is announced at most once a minute, so its
//   deliveries grow with the minutes it flaps, not with its flaps; each body is
//   journalled once and each attempt adds a line of ~0.1 KB (asserted: under 2 MiB
//   for 10,000 one-second flaps, 2.8 hours).
// - history: the opening, the first 10 and the last 10 rule entries, whatever
//   the count of flaps (foldedRepeats counts the rest).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Bus } from '../../../services/bus/bus.ts';
import { ManualClock } from '../../../services/clock.ts';
import type { Incident, RuleSignal } from '../../../services/contracts/index.ts';
import { EventBus } from '../../../services/events.ts';
import { HISTORY_KEEP } from '../../../services/incidents/incident-log.ts';
import { IncidentManager } from '../../../services/incidents/incidents.ts';
import { Notifier } from '../../../services/incidents/notifier.ts';
import { Outbox } from '../../../services/incidents/outbox.ts';
import { tempDir } from '../../helpers/platform.ts';

const log = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 0, 15, 6);
const MiB = 2 ** 20;
const FLAPS = 10_000;

const signal = (type: RuleSignal['type'], at: number, autoResolve: boolean): RuleSignal => ({
  type, ruleId: 'water-low-pressure', title: 'Low water pressure', severity: 'major', autoResolve, asset: 'wp-1', district: 'old-town', subsystem: 'utilities',
  utility: 'water', kind: 'water-pressure', devices: ['wp-1'], evidence: [{ deviceId: 'wp-1', ts: at, metrics: { pressure: 1.2 } }], at, flaps: 0,
});

async function town(dataDir: string, clock: ManualClock) {
  const events = new EventBus(log);
  const published: string[] = [];
  const bus: Bus = { subscribe: async () => async () => undefined, publish: async (topic) => void published.push(topic) };
  let refused = 0;
  const down = (async () => {
    refused++;
    return new Response('', { status: 503 });
  }) as unknown as typeof fetch;
  const incidents = new IncidentManager({ dataDir, clock, events });
  const outbox = new Outbox({ dataDir, log, clock, secretFor: () => 'a-webhook-secret-of-length', fetchImpl: down, pollMs: 250, baseBackoffMs: 1000 });
  const notifier = new Notifier({
    town: 'temirtau', bus, events, log, outbox,
    routes: [{ utility: 'water', match: {}, mqtt: true, webhook: { url: 'http://water.example/hook', secret: 'a-webhook-secret-of-length' } }],
    unresolved: () => incidents.list({ state: 'unresolved' }),
  });
  const started = performance.now();
  await incidents.start();
  await outbox.start();
  const startMs = performance.now() - started;
  await notifier.start();
  return { events, incidents, outbox, notifier, published, startMs, refused: () => refused };
}

const sizes = (dir: string) => ({ incidents: statSync(join(dir, 'incidents.jsonl')).size, outbox: statSync(join(dir, 'outbox.jsonl')).size });

describe.each([
  ['resolves itself when clear (each raise reopens it)', true],
  ['waits for an operator (each raise repeats it)', false],
])('a device flapping 10,000 times on a rule that %s', (_name, autoResolve) => {
  it('keeps one incident with its flaps counted, journals under their bounds, and restarts fast with the same state', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(T0);
    const first = await town(dir, clock);
    let maxSizes = { incidents: 0, outbox: 0 };
    for (let i = 0; i < FLAPS; i++) {
      first.events.emit('ruleSignalled', signal('raised', clock.now(), autoResolve));
      clock.advance(400);
      first.events.emit('ruleSignalled', signal('cleared', clock.now(), autoResolve));
      clock.advance(600);
      if (i % 50 === 49) {
        await new Promise((r) => setImmediate(r)); // attempts, compactions and timers run
        const now = sizes(dir);
        maxSizes = { incidents: Math.max(maxSizes.incidents, now.incidents), outbox: Math.max(maxSizes.outbox, now.outbox) };
      }
    }
    await clock.tick(120_000, 1000); // the held announcement goes out, a few more attempts fail
    const before = structuredClone(first.incidents.list());
    const pending = first.outbox.pending().map((d) => d.id);
    const stats = { incidents: first.incidents.stats(), outbox: first.outbox.stats() };
    await first.notifier.stop();
    await first.outbox.stop();
    await first.incidents.stop();
    const after = sizes(dir);

    expect(before).toHaveLength(1);
    const inc = before[0]!;
    expect(inc).toMatchObject({ state: autoResolve ? 'resolved' : 'open', occurrences: FLAPS, flaps: FLAPS - 1, conditionCleared: true });
    expect(inc.history.length).toBeLessThanOrEqual(1 + 2 * HISTORY_KEEP);
    expect(inc.foldedRepeats).toBe(2 * FLAPS - 1 - 2 * HISTORY_KEEP);
    expect(maxSizes.incidents).toBeLessThan(5 * MiB);
    expect(maxSizes.outbox).toBeLessThan(2 * MiB);
    expect(first.refused()).toBeGreaterThan(0);
    expect(first.outbox.stats().pending).toBeLessThan(250); // about one announcement a minute, not 20,000

    const second = await town(dir, new ManualClock(clock.now()));
    console.log(
      `${FLAPS} flaps (autoResolve ${autoResolve}): incidents.jsonl peak ${(maxSizes.incidents / MiB).toFixed(2)} MiB, at stop ${(after.incidents / 1024).toFixed(1)} KiB` +
        ` (${stats.incidents.compactions} running compactions); outbox.jsonl peak ${(maxSizes.outbox / MiB).toFixed(2)} MiB, at stop ${(after.outbox / 1024).toFixed(1)} KiB` +
        ` (${pending.length} pending deliveries, ${stats.outbox.failedAttempts} failed attempts); restart read both in ${second.startMs.toFixed(1)} ms`,
    );
    expect(second.incidents.list()).toEqual(before);
    expect(second.outbox.pending().map((d) => d.id)).toEqual(pending);
    await second.notifier.stop();
    await second.outbox.stop();
    await second.incidents.stop();
  }, 120_000);
});

describe('flapping incidents', () => {
  it('announces a flapping incident at most once a minute, and its last state when it goes quiet', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(T0);
    const events = new EventBus(log);
    const seen: string[] = [];
    events.on('incidentChanged', 'test', ({ incident, change }) => seen.push(`${change.action}:${incident.state}@${(clock.now() - T0) / 1000}s`));
    const m = new IncidentManager({ dataDir: dir, clock, events });
    await m.start();
    for (let i = 0; i < 30; i++) {
      events.emit('ruleSignalled', signal('raised', clock.now(), true));
      clock.advance(1000);
      events.emit('ruleSignalled', signal('cleared', clock.now(), true));
      clock.advance(1000);
    }
    clock.advance(120_000);
    // the first 10 repeats and 10 clears are history and announced; then one a minute, and the last state
    expect(seen.slice(0, 3)).toEqual(['opened:open@0s', 'auto-resolved:resolved@1s', 'repeated:open@2s']);
    expect(seen.length).toBeLessThan(25);
    expect(seen.at(-1)).toMatch(/^auto-resolved:resolved@/);
    expect(m.get('INC-000001')).toMatchObject({ state: 'resolved', flaps: 29, occurrences: 30, lastFlapAt: T0 + 58_000 });
    await m.stop();
  });

  it('opens a new incident when the condition comes back after the flap window, or after an operator resolved it', async () => {
    const clock = new ManualClock(T0);
    const events = new EventBus(log);
    const m = new IncidentManager({ dataDir: await tempDir(), clock, events, flapWindowMs: 60_000 });
    await m.start();
    events.emit('ruleSignalled', signal('raised', T0, true));
    events.emit('ruleSignalled', signal('cleared', T0 + 1000, true));
    events.emit('ruleSignalled', signal('raised', T0 + 2000, true)); // a flap: reopened
    expect(m.list().map((i: Incident) => `${i.id}:${i.state}`)).toEqual(['INC-000001:open']);
    events.emit('ruleSignalled', signal('cleared', T0 + 3000, true));
    events.emit('ruleSignalled', signal('raised', T0 + 70_000, true)); // past the window: a new incident
    expect(m.list().map((i: Incident) => `${i.id}:${i.state}`)).toEqual(['INC-000002:open', 'INC-000001:resolved']);
    m.resolve('INC-000002', 'Aigerim');
    events.emit('ruleSignalled', signal('raised', T0 + 71_000, true));
    expect(m.list({ state: 'open' }).map((i) => i.id)).toEqual(['INC-000003']);
    await m.stop();
  });
});
