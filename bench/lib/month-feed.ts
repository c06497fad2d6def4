// The feed half of bench/store-month.ts, run in a worker thread so that generating the
// town's readings (the simulator's models, JSON out and back) overlaps with the store's
// writes on the main thread instead of adding to them. It is the simulator's own Feed,
// unchanged: the same devices, metrics, interval, values and order as `qala simulate`.
// Readings go to the main thread in batches cut at every simulated hour, so the store's
// maintenance runs at the same points of the feed as before; at most `window` batches
// are in flight (the main thread acknowledges each), so memory stays bounded.
import { parentPort, workerData } from 'node:worker_threads';
import type { Reading } from '../../services/contracts/index.ts';
import { Feed } from '../../simulator/feed.ts';
import { loadScenario } from '../../simulator/scenario.ts';

export interface MonthFeedInput {
  scenario: string;
  scale: number;
  intervalMs: number;
  start: number;
  durationMs: number;
  batchSize: number;
  window: number;
}

/** One batch of readings; `hourEnd` is set on the last batch before a simulated hour boundary. */
export interface MonthFeedBatch {
  readings: Reading[];
  hourEnd?: number;
  done?: boolean;
}

const HOUR = 3_600_000;

if (parentPort) {
  const port = parentPort;
  const o = workerData as MonthFeedInput;
  const scenario = loadScenario(o.scenario);
  const feed = new Feed({ scenario, town: scenario.id, seed: 42, start: o.start, intervalMs: o.intervalMs, durationMs: o.durationMs, scale: o.scale, faultRate: 1 });
  let inFlight = 0;
  let wake: (() => void) | undefined;
  port.on('message', () => {
    inFlight--;
    wake?.();
  });
  const send = async (b: MonthFeedBatch) => {
    while (inFlight >= o.window) await new Promise<void>((r) => (wake = r));
    inFlight++;
    port.postMessage(b);
  };
  let batch: Reading[] = [];
  let nextHour = o.start + HOUR;
  for (const m of feed.messages()) {
    if (m.type !== 'telemetry') continue;
    while (m.at >= nextHour) {
      await send({ readings: batch, hourEnd: nextHour });
      batch = [];
      nextHour += HOUR;
    }
    const [, town, subsystem, district, kind, deviceId] = m.topic.split('/');
    const p = JSON.parse(m.payload) as { ts: number; metrics: Record<string, number> };
    batch.push({ town: town!, subsystem: subsystem as Reading['subsystem'], district: district!, kind: kind!, deviceId: deviceId!, ts: p.ts, receivedAt: m.at, metrics: p.metrics });
    if (batch.length >= o.batchSize) {
      await send({ readings: batch });
      batch = [];
    }
  }
  while (nextHour <= o.start + o.durationMs) {
    await send({ readings: batch, hourEnd: nextHour });
    batch = [];
    nextHour += HOUR;
  }
  await send({ readings: batch, done: true });
}
