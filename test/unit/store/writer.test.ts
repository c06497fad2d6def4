import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EventBus, type Reading } from '../../../services/events.ts';
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
    const writer = new StoreWriter({ store, events, log, flushMs: 1_000_000, batchSize: 3, bufferMax: 1000 });
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
    const writer = new StoreWriter({ store, events, log, flushMs: 1_000_000, batchSize: 100, bufferMax: 5 });
    await writer.start();
    for (let i = 0; i < 4; i++) events.emit('readingAccepted', reading(i));
    let acked = false;
    expect(writer.hasRoom()).toBeUndefined(); // under the bound: no wait
    for (let i = 4; i < 8; i++) events.emit('readingAccepted', reading(i));
    void writer.hasRoom()!.then(() => (acked = true));
    await writer.flush(); // the store is down
    await new Promise((r) => setTimeout(r, 20));
    expect(acked).toBe(false);
    store.up = true;
    await writer.flush();
    await new Promise((r) => setTimeout(r, 0));
    expect(acked).toBe(true);
    expect(store.rows.map((r) => r.metrics.pressure)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await writer.stop();
  });

  it('writes what it holds on a clean stop', async () => {
    const store = new FlakyStore();
    store.up = true;
    const events = new EventBus(log);
    const writer = new StoreWriter({ store, events, log, flushMs: 1_000_000, batchSize: 2, bufferMax: 100 });
    await writer.start();
    for (let i = 0; i < 5; i++) events.emit('readingAccepted', reading(i));
    await writer.stop();
    expect(store.rows).toHaveLength(5);
  });
});
