import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS, SUBSYSTEMS } from '../../../devices/index.ts';
import { DeviceDirectory } from '../../../services/directory/directory.ts';
import { ManualClock } from '../../../services/clock.ts';
import type { LiveMessage, Reading } from '../../../services/contracts/index.ts';
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

async function setup() {
  const events = new EventBus(log);
  const directory = new DeviceDirectory({ events, store: emptyStore });
  await directory.start();
  const clock = new ManualClock(1_800_000_000_000);
  const hub = new LiveHub({ directory, events, incidents: () => [], kinds: DEVICE_KINDS, intervalMs: 250, clock, log, maxBufferedBytes: 1000 });
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
});
