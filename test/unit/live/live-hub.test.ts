import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS, SUBSYSTEMS } from '../../../devices/index.ts';
import { DeviceDirectory } from '../../../services/directory/directory.ts';
import { ManualClock } from '../../../services/clock.ts';
import type { Incident, LiveMessage, LiveScope, Reading } from '../../../services/contracts/index.ts';
import { EventBus } from '../../../services/events.ts';
import { LiveHub, type LiveSocket } from '../../../services/live/live-hub.ts';
import type { TimeSeriesStore } from '../../../services/store/port.ts';

const log = pino({ level: 'silent' });
const emptyStore = { latest: async () => [] } as unknown as TimeSeriesStore;

class FakeSocket implements LiveSocket {
  readonly sent: LiveMessage[] = [];
  readyState = 1;
  constructor(public bufferedAmount = 0) {}
  send(data: string) { this.sent.push(JSON.parse(data) as LiveMessage); }
  on() { return this; }
}

const reading = (deviceId: string, kind: string, subsystem: Reading['subsystem'], metrics: Record<string, number>): Reading => ({
  town: 'temirtau', subsystem, district: 'old-town', kind, deviceId, ts: 1_800_000_000_000, receivedAt: 1_800_000_000_000, metrics,
});

async function setup(unresolved: Incident[] = []) {
  const events = new EventBus(log);
  const directory = new DeviceDirectory({ events, store: emptyStore });
  await directory.start();
  const clock = new ManualClock(1_800_000_000_000);
  const incidents = (scope?: LiveScope) => unresolved.filter((i) => !scope || i.utility === scope.utility);
  const hub = new LiveHub({ directory, events, incidents, kinds: DEVICE_KINDS, intervalMs: 250, clock, log, maxBufferedBytes: 1000 });
  await hub.start();
  return { events, hub, directory, clock };
}

describe('live hub', () => {
  it('greets a client with every subsystem, then sends only what changed, once per tick', async () => {
    const { events, hub, clock } = await setup();
    const client = new FakeSocket();
    hub.attach(client);
    expect(client.sent[0]!.type).toBe('hello');
    expect(Object.keys(client.sent[0]!.subsystems).sort()).toEqual([...SUBSYSTEMS].sort());
    for (let i = 0; i < 50; i++) events.emit('readingAccepted', reading(`wp-${i % 5}`, 'water-pressure', 'utilities', { pressure: 3 + (i % 5) }));
    events.emit('readingAccepted', reading('tc-1', 'traffic-counter', 'mobility', { vehiclesPerMin: 12, meanSpeed: 40 }));
    clock.advance(250);
    clock.advance(250); // nothing new: nothing sent
    expect(client.sent).toHaveLength(2);
    const update = client.sent[1]!;
    expect(Object.keys(update.subsystems).sort()).toEqual(['mobility', 'utilities']);
    expect(update.subsystems.utilities!.devices).toBe(5);
    expect(update.subsystems.utilities!.kinds['water-pressure']!.metrics.pressure!.value).toBe(5); // mean of 3..7
    expect(update.subsystems.utilities!.outOfNormal).toBe(1); // only 7 bar is outside the 2.5..6 bar band
    expect(update.subsystems.mobility!.headline).toMatchObject({ metric: 'vehiclesPerMin', value: 12 });
    await hub.stop();
  });

  it('skips a slow client without holding up the others', async () => {
    const { events, hub, clock } = await setup();
    const fast = new FakeSocket();
    const slow = new FakeSocket(10_000);
    hub.attach(fast);
    hub.attach(slow);
    for (let i = 0; i < 3; i++) {
      events.emit('readingAccepted', reading('cq-1', 'clinic-queue', 'health', { waiting: i }));
      clock.advance(250);
    }
    expect(fast.sent).toHaveLength(4);
    expect(slow.sent).toHaveLength(1); // the hello only
    expect(hub.stats().skippedSlow).toBe(3);
    slow.bufferedAmount = 0;
    events.emit('readingAccepted', reading('cq-1', 'clinic-queue', 'health', { waiting: 9 }));
    clock.advance(250);
    // it catches up with the latest state, not a backlog
    expect(slow.sent.at(-1)!.subsystems.health!.headline!.value).toBe(9);
    await hub.stop();
  });

  it("gives a utility's client its own network only: its subsystem over its own devices, its history and incidents", async () => {
    const incident = (id: string, utility: string) => ({ id, utility, state: 'open' }) as Incident;
    const { events, hub, clock } = await setup([incident('INC-1', 'water'), incident('INC-2', 'heat')]);
    events.emit('readingAccepted', reading('wp-1', 'water-pressure', 'utilities', { pressure: 4, flow: 50 }));
    events.emit('readingAccepted', reading('pf-1', 'power-feeder', 'utilities', { voltage: 0, load: 0 }));
    events.emit('readingAccepted', reading('tc-1', 'traffic-counter', 'mobility', { vehiclesPerMin: 12, meanSpeed: 40 }));
    clock.advance(250);
    const town = new FakeSocket();
    const water = new FakeSocket();
    const power = new FakeSocket();
    hub.attach(town);
    hub.attach(water, { utility: 'water' });
    hub.attach(power, { utility: 'power' });
    const [t, w, p] = [town.sent[0]!, water.sent[0]!, power.sent[0]!];
    expect(Object.keys(t.subsystems).sort()).toEqual([...SUBSYSTEMS].sort());
    expect(t.subsystems.utilities).toMatchObject({ devices: 2, outOfNormal: 1, headline: { kind: 'water-pressure', value: 4 } });
    expect(t.incidents.map((i) => i.id)).toEqual(['INC-1', 'INC-2']);
    // water: the utilities tile over its own pressure point, no other subsystem, no heat incident
    expect(Object.keys(w.subsystems)).toEqual(['utilities']);
    expect(w.subsystems.utilities).toMatchObject({ devices: 1, online: 1, outOfNormal: 0, headline: { kind: 'water-pressure', value: 4 } });
    expect(Object.keys(w.subsystems.utilities!.kinds)).toEqual(['water-pressure']);
    expect(w.type === 'hello' && Object.keys(w.history)).toEqual(['utilities']);
    expect(w.incidents.map((i) => i.id)).toEqual(['INC-1']);
    // power: its dead feeder is its headline and its out-of-normal device
    expect(p.subsystems.utilities).toMatchObject({ devices: 1, outOfNormal: 1, headline: { kind: 'power-feeder', metric: 'voltage', value: 0 } });
    expect(p.type === 'hello' && p.history.utilities!.map((h) => h.value)).toEqual([0]);
    expect(p.incidents).toEqual([]);

    // a heat reading and a heat incident reach the town's client, and the water one's nothing
    events.emit('readingAccepted', reading('hs-1', 'heat-substation', 'utilities', { supplyTemp: 95 }));
    events.emit('incidentChanged', { incident: incident('INC-3', 'heat') } as never);
    clock.advance(250);
    expect(town.sent).toHaveLength(2);
    expect(town.sent[1]!.subsystems.utilities!.devices).toBe(3);
    expect(town.sent[1]!.incidents.map((i) => i.id)).toEqual(['INC-3']);
    expect(water.sent).toHaveLength(1);
    // its own reading and incident do, with no traffic figure beside them
    events.emit('readingAccepted', reading('wp-1', 'water-pressure', 'utilities', { pressure: 5 }));
    events.emit('incidentChanged', { incident: incident('INC-4', 'water') } as never);
    events.emit('readingAccepted', reading('tc-1', 'traffic-counter', 'mobility', { vehiclesPerMin: 20 }));
    clock.advance(250);
    expect(water.sent).toHaveLength(2);
    expect(Object.keys(water.sent[1]!.subsystems)).toEqual(['utilities']);
    expect(water.sent[1]).toMatchObject({ type: 'update', subsystems: { utilities: { devices: 1, headline: { value: 5 } } }, incidents: [{ id: 'INC-4' }] });
    expect(water.sent[1]!.incidents).toHaveLength(1);
    expect(town.sent[2]!.subsystems.mobility!.headline!.value).toBe(20);
    expect(power.sent).toHaveLength(1);
    expect(hub.stats().clients).toBe(3);
    await hub.stop();
  });
});
