import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../services/clock.ts';
import type { Reading } from '../../../services/contracts/index.ts';
import { EventBus } from '../../../services/events.ts';
import type { TimeSeriesStore } from '../../../services/store/port.ts';
import { StoreWriter } from '../../../services/store/writer.ts';

const log = pino({ level: 'silent' });
const reading = (i: number): Reading => ({
  town: 't', subsystem: 'utilities', district: 'd', kind: 'water-pressure', deviceId: `wp-${i}`, ts: 1_800_000_000_000 + i, receivedAt: 0, metrics: { pressure: i },
});

/** A store that is down until told otherwise: the outage a unit test can stage. */
class FlakyStore implements TimeSeriesStore {
  up = false;
  attempts = 0;
  readonly rows: Reading[] = [];
  async start() {}
  async stop() {}
  async write(rs: readonly Reading[]) {
    this.attempts++;
    if (!this.up) throw new Error('connection refused');
    this.rows.push(...rs);
  }
  async series() { return []; }
  async latest() { return []; }
}

describe('store writer', () => {
  it('keeps readings through a store outage and writes them, in order, when it recovers', async () => {
    const store = new FlakyStore();
    const events = new EventBus(log);
    const writer = new StoreWriter({ store, events, log, flushMs: 1_000_000, batchSize: 3, bufferMax: 1000, clock: new ManualClock() });
    await writer.start();
    for (let i = 0; i < 10; i++) events.emit('readingAccepted', reading(i));
    await writer.flush();
    await writer.flush();
    expect(store.attempts).toBe(2);
    expect(writer.stats()).toMatchObject({ pending: 10, written: 0, failures: 2, lastError: 'connection refused' });
    store.up = true;
    events.emit('readingAccepted', reading(10));
    await writer.flush();
    expect(store.rows.map((r) => r.metrics.pressure)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(writer.stats()).toMatchObject({ pending: 0, written: 11, lastError: null });
    await writer.stop();
  });

  it('holds acknowledgements past bufferMax until the store drains, and drops nothing', async () => {
    const store = new FlakyStore();
    const events = new EventBus(log);
    const clock = new ManualClock();
    const writer = new StoreWriter({ store, events, log, flushMs: 1_000_000, batchSize: 100, bufferMax: 5, clock });
    await writer.start();
    for (let i = 0; i < 4; i++) events.emit('readingAccepted', reading(i));
    let acked = false;
    expect(writer.hasRoom()).toBeUndefined(); // under the bound: no wait
    for (let i = 4; i < 8; i++) events.emit('readingAccepted', reading(i));
    void writer.hasRoom()!.then(() => (acked = true));
    await writer.flush(); // the store is down
    await clock.tick(10_000, 1000); // time passes, the store is still down
    expect(acked).toBe(false);
    store.up = true;
    await writer.flush();
    await clock.tick(1);
    expect(acked).toBe(true);
    expect(store.rows.map((r) => r.metrics.pressure)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await writer.stop();
  });

  it('writes what it holds on a clean stop', async () => {
    const store = new FlakyStore();
    store.up = true;
    const events = new EventBus(log);
    const writer = new StoreWriter({ store, events, log, flushMs: 1_000_000, batchSize: 2, bufferMax: 100, clock: new ManualClock() });
    await writer.start();
    for (let i = 0; i < 5; i++) events.emit('readingAccepted', reading(i));
    await writer.stop();
    expect(store.rows).toHaveLength(5);
  });

  it('flushes on its own clock, retries a failed batch with growing backoff, and announces what it stored', async () => {
    const store = new FlakyStore();
    const events = new EventBus(log);
    const clock = new ManualClock();
    const stored: number[] = [];
    events.on('readingsStored', 'test', ({ count }) => stored.push(count));
    const writer = new StoreWriter({ store, events, log, flushMs: 100, batchSize: 2, bufferMax: 100, clock });
    await writer.start();
    for (let i = 0; i < 3; i++) events.emit('readingAccepted', reading(i));
    await clock.tick(100);
    expect(store.attempts).toBe(1); // first flush: store down
    await clock.tick(150, 50);
    expect(store.attempts).toBe(1); // backoff 200 ms: not yet
    await clock.tick(100, 50);
    expect(store.attempts).toBe(2);
    store.up = true;
    await clock.tick(400, 50); // next retry after 400 ms
    expect(store.rows).toHaveLength(3);
    expect(stored).toEqual([2, 1]);
    await writer.stop();
  });
});
