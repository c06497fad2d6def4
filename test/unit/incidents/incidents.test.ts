import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Incident, IncidentChange, RuleSignal } from '../../../services/contracts/index.ts';
import { EventBus } from '../../../services/events.ts';
import { IncidentManager } from '../../../services/incidents/incidents.ts';
import { createLogger } from '../../../services/log.ts';
import { tempDir } from '../../helpers/platform.ts';

const T0 = Date.UTC(2026, 0, 15, 6);
const signal = (type: RuleSignal['type'], asset = 'wp-1', at = T0, ruleId = 'water-low-pressure'): Omit<RuleSignal, 'autoResolve'> => ({
  type, ruleId, title: 'Low water pressure', severity: 'major', asset, district: 'old-town', subsystem: 'utilities', utility: 'water', kind: 'water-pressure',
  devices: [asset], evidence: [{ deviceId: asset, ts: at, metrics: { pressure: 1.2 } }], at, flaps: type === 'repeated' ? 1 : 0,
});

async function manager(dataDir: string, autoResolve = true) {
  const changes: { incident: Incident; change: IncidentChange }[] = [];
  let now = T0;
  const events = new EventBus(createLogger('silent', 'json'));
  events.on('incidentChanged', 'test', ({ incident, change }) => changes.push({ incident: structuredClone(incident), change }));
  const m = new IncidentManager({ dataDir, clock: { now: () => (now += 1000) }, events });
  await m.start();
  // signals arrive as the rules service sends them: on the event bus, carrying autoResolve
  const viaBus = (s: Omit<RuleSignal, 'autoResolve'>) => events.emit('ruleSignalled', { ...s, autoResolve });
  return { m: Object.assign(m, { signal: viaBus }), changes };
}

describe('incidents', () => {
  it('opens one incident per rule and asset, and counts repeats on it', async () => {
    const { m } = await manager(await tempDir());
    m.signal(signal('raised'));
    m.signal(signal('repeated'));
    m.signal(signal('raised', 'wp-2'));
    m.signal(signal('raised', 'wp-1', T0, 'water-main-break'));
    const open = m.list({ state: 'open' });
    expect(open).toHaveLength(3);
    const wp1 = open.find((i) => i.asset === 'wp-1' && i.ruleId === 'water-low-pressure')!;
    expect(wp1).toMatchObject({ occurrences: 2, flaps: 1, state: 'open', utility: 'water', severity: 'major', evidence: [{ metrics: { pressure: 1.2 } }] });
  });

  it('keeps comments and the assignee across a restart, bounded in count and length', async () => {
    const dir = await tempDir();
    const events = new EventBus(createLogger('silent', 'json'));
    const first = new IncidentManager({ dataDir: dir, clock: { now: () => T0 }, events, maxComments: 2, maxCommentChars: 20 });
    await first.start();
    events.emit('ruleSignalled', { ...signal('raised'), autoResolve: false });
    const id = first.list()[0]!.id;
    first.comment(id, 'aigerim', '  crew 4 on the way ');
    expect(() => first.comment(id, 'aigerim', 'x'.repeat(21))).toThrow(expect.objectContaining({ code: 'ERR_COMMENT_TOO_LONG' }));
    expect(() => first.comment(id, 'aigerim', '')).toThrow(expect.objectContaining({ code: 'ERR_COMMENT_REQUIRED' }));
    first.assign(id, 'aigerim', 'bolat', 'night shift');
    first.comment(id, 'bolat', 'valve located');
    expect(() => first.comment(id, 'bolat', 'third')).toThrow(expect.objectContaining({ code: 'ERR_INCIDENT_COMMENTS_FULL' }));
    await first.stop();
    const second = new IncidentManager({ dataDir: dir, clock: { now: () => T0 }, events: new EventBus(createLogger('silent', 'json')), maxComments: 2 });
    await second.start();
    const inc = second.get(id);
    expect(inc).toMatchObject({ assignee: 'bolat', comments: 2 });
    expect(inc.history.map((h) => `${h.action}/${h.by}:${h.assignee ?? ''}:${h.comment ?? ''}`)).toEqual([
      'opened/rules::', 'commented/aigerim::crew 4 on the way', 'assigned/aigerim:bolat:night shift', 'commented/bolat::valve located',
    ]);
    second.resolve(id, 'bolat', 'replaced');
    expect(() => second.assign(id, 'bolat', 'aigerim')).toThrow(expect.objectContaining({ code: 'ERR_INCIDENT_STATE' }));
    await second.stop();
  });

  it('drops resolved incidents past the retention at the next start, keeps open ones, and never gives an id twice', async () => {
    const dir = await tempDir();
    const DAY = 86_400_000;
    let now = T0;
    const open = async () => {
      const events = new EventBus(createLogger('silent', 'json'));
      const m = new IncidentManager({ dataDir: dir, clock: { now: () => now }, events, retentionMs: 30 * DAY });
      await m.start();
      return { m, events };
    };
    const a = await open();
    a.events.emit('ruleSignalled', { ...signal('raised', 'wp-1'), autoResolve: false });
    a.events.emit('ruleSignalled', { ...signal('raised', 'wp-2'), autoResolve: false });
    const [first, second] = a.m.list().map((i) => i.id).sort();
    a.m.resolve(first!, 'aigerim', 'done');
    a.m.resolve(second!, 'aigerim', 'done');
    a.events.emit('ruleSignalled', { ...signal('raised', 'wp-3'), autoResolve: false });
    const stillOpen = a.m.list({ state: 'open' })[0]!.id;
    await a.m.stop();
    now = T0 + 31 * DAY;
    const b = await open();
    expect(b.m.list().map((i) => i.id)).toEqual([stillOpen]);
    expect(b.m.stats().pruned).toBe(2);
    b.m.resolve(stillOpen, 'aigerim', 'done');
    await b.m.stop();
    now = T0 + 62 * DAY;
    const c = await open();
    expect(c.m.list()).toEqual([]);
    await c.m.stop();
    const d = await open(); // a start on a journal that holds no incident at all
    d.events.emit('ruleSignalled', { ...signal('raised', 'wp-4'), autoResolve: false });
    expect(d.m.list()[0]!.id).toBe('INC-000004'); // after INC-000003, though every earlier one is gone
    await d.m.stop();
  });

  it('goes open → acknowledged → resolved with operator and comment recorded', async () => {
    const { m, changes } = await manager(await tempDir());
    m.signal(signal('raised'));
    const id = m.list()[0]!.id;
    m.acknowledge(id, 'Aigerim', 'crew dispatched');
    expect(() => m.acknowledge(id, 'Aigerim')).toThrow(/only an open incident/);
    m.resolve(id, 'Aigerim', 'valve replaced');
    expect(() => m.resolve(id, 'Aigerim')).toThrow(/already resolved/);
    expect(() => m.get('INC-999999')).toThrow(/no incident/);
    expect(m.get(id).history.map((h) => [h.action, h.by, h.comment])).toEqual([
      ['opened', 'rules', undefined],
      ['acknowledged', 'Aigerim', 'crew dispatched'],
      ['resolved', 'Aigerim', 'valve replaced'],
    ]);
    expect(changes.map((c) => c.incident.state)).toEqual(['open', 'acknowledged', 'resolved']);
    // the next raise after a resolution is a new incident
    m.signal(signal('raised', 'wp-1', T0 + 3_600_000));
    expect(m.list({ state: 'open' })[0]!.id).not.toBe(id);
  });

  it('auto-resolves when the condition clears, or only marks it for rules that wait for an operator', async () => {
    const auto = await manager(await tempDir(), true);
    auto.m.signal(signal('raised'));
    auto.m.signal(signal('cleared', 'wp-1', T0 + 600_000));
    expect(auto.m.list()[0]).toMatchObject({ state: 'resolved', resolvedAt: T0 + 600_000, conditionCleared: true });
    const manual = await manager(await tempDir(), false);
    manual.m.signal(signal('raised'));
    manual.m.signal(signal('cleared', 'wp-1', T0 + 600_000));
    expect(manual.m.list()[0]).toMatchObject({ state: 'open', conditionCleared: true });
  });

  it('survives a restart with states, counts and history, and keeps numbering', async () => {
    const dir = await tempDir();
    const first = await manager(dir);
    first.m.signal(signal('raised'));
    first.m.signal(signal('repeated'));
    first.m.signal(signal('raised', 'wp-2'));
    first.m.acknowledge('INC-000002', 'Daniyar');
    // no stop(): as after a crash
    const second = await manager(dir);
    expect(second.m.get('INC-000001')).toMatchObject({ state: 'open', occurrences: 2 });
    expect(second.m.get('INC-000002')).toMatchObject({ state: 'acknowledged' });
    second.m.signal(signal('repeated'));
    expect(second.m.get('INC-000001').occurrences).toBe(3); // dedup holds across the restart
    second.m.signal(signal('raised', 'wp-3'));
    expect(second.m.list({ state: 'open' }).map((i) => i.id).sort()).toEqual(['INC-000001', 'INC-000003']);
  });

  it('skips a torn last line left by a crash mid-write and keeps everything before it', async () => {
    const dir = await tempDir();
    const first = await manager(dir);
    first.m.signal(signal('raised'));
    appendFileSync(join(dir, 'incidents.jsonl'), '{"id":"INC-000002","ruleId":"wat');
    const second = await manager(dir);
    expect(second.m.tornLines).toBe(1);
    expect(second.m.list()).toHaveLength(1);
  });
});
