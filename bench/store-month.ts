// How big the embedded store grows: a simulated town's feed written straight into a
// DuckDB file (no broker, so only the store is measured) through the platform's own
// DuckDbStore (every write appends its 1-minute and 1-hour rollup partials in the same
// transaction), with the maintenance pass (rollup merge and retention) run once a
// simulated hour as the platform runs it every QALA_STORE_MAINTENANCE_MS, and the
// default retention unless told otherwise. Prints, at the end of each simulated day
// (after a checkpoint, so the size is the data's and not the WAL's), the readings
// written, the file size, the rows of each table, and where the wall time went.
//
// The simulator's Feed runs in a worker thread (bench/lib/month-feed.ts), so that
// generating readings overlaps with writing them; the readings are the same.
//
//   node --import tsx bench/store-month.ts [--days 35] [--scale 1] [--scenario temirtau]
//        [--interval-ms 10000] [--raw-days 30] [--minute-days 90] [--batch 5000]
// (--raw-days and --minute-days shorten retention as QALA_RETENTION_RAW_MS and
// QALA_RETENTION_MINUTE_MS do, so a short run shows the size levelling off.)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { DEFAULT_RETENTION, DuckDbStore } from '../services/store/duckdb-store.ts';
import { loadScenario } from '../simulator/scenario.ts';
import type { MonthFeedBatch, MonthFeedInput } from './lib/month-feed.ts';

const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '35' },
    scale: { type: 'string', default: '1' },
    scenario: { type: 'string', default: 'temirtau' },
    // the simulator's default (QALA_SIM_INTERVAL_MS) and the platform's write batch (QALA_STORE_BATCH_SIZE)
    'interval-ms': { type: 'string', default: '10000' },
    'raw-days': { type: 'string', default: String(DEFAULT_RETENTION.rawMs / 86_400_000) },
    'minute-days': { type: 'string', default: String(DEFAULT_RETENTION.minuteMs / 86_400_000) },
    batch: { type: 'string', default: '5000' },
  },
  strict: true,
});
const DAY = 86_400_000;
const HOUR = 3_600_000;
const days = Number(values.days);
const scale = Number(values.scale);
const intervalMs = Number(values['interval-ms']);
const scenario = loadScenario(values.scenario!);
const start = Date.UTC(2026, 0, 1, 0, 0, 0) - scenario.utcOffsetMinutes * 60_000;
const dir = mkdtempSync(join(tmpdir(), 'qala-bench-month-'));
const retention = { ...DEFAULT_RETENTION, rawMs: Number(values['raw-days']) * DAY, minuteMs: Number(values['minute-days']) * DAY };
const store = new DuckDbStore({ dataDir: dir, retention });
// a run stopped half-way leaves no temp folder of gigabytes behind
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  });

const input: MonthFeedInput = { scenario: values.scenario!, scale, intervalMs, start, durationMs: days * DAY, batchSize: Number(values.batch), window: 4 };
// a worker does not inherit tsx's loader: it registers it, then loads the TypeScript module
const feedModule = new URL('./lib/month-feed.ts', import.meta.url).href;
const tsx = import.meta.resolve('tsx/esm/api');
const worker = new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(feedModule)}); })`, { eval: true, workerData: input });
const queue: MonthFeedBatch[] = [];
let arrived: (() => void) | undefined;
let failed: Error | undefined;
worker.on('message', (b: MonthFeedBatch) => {
  queue.push(b);
  arrived?.();
});
worker.on('error', (err) => {
  failed = err;
  arrived?.();
});
async function next(): Promise<MonthFeedBatch> {
  while (queue.length === 0) {
    if (failed) throw failed;
    await new Promise<void>((r) => (arrived = r));
  }
  worker.postMessage('taken'); // the feed may make one more
  return queue.shift()!;
}

const size = () => statSync(store.path).size + (() => { try { return statSync(`${store.path}.wal`).size; } catch { return 0; } })();
const mb = (b: number) => (b / 1e6).toFixed(0);
const s = (ms: number) => (ms / 1000).toFixed(0);

try {
  await store.start();
  const devices = (await import('../simulator/scenario.ts')).inventory(scenario, { scale, seed: 42 }).length;
  console.log(`${scenario.name}, ${devices} devices (scale ${scale}), a reading every ${intervalMs / 1000} s, ${days} simulated days, ` +
    `batches of ${input.batchSize}, maintenance every simulated hour, retention raw ${retention.rawMs / DAY} d / 1-min ${retention.minuteMs / DAY} d / 1-h ${retention.hourMs / DAY} d`);
  console.log('day | readings | file MB | raw rows | 1-min rows | 1-h rows | wall s | that day: waiting for the feed, store writes, maintenance, checkpoint (s)');
  let readings = 0;
  const t0 = performance.now();
  const spent = { feed: 0, write: 0, maintain: 0, checkpoint: 0 };
  let mark = performance.now();
  const lap = (k: keyof typeof spent) => {
    const now = performance.now();
    spent[k] += now - mark;
    mark = now;
  };
  const sizes: number[] = [];
  for (;;) {
    const b = await next();
    lap('feed');
    if (b.readings.length > 0) {
      await store.write(b.readings);
      readings += b.readings.length;
      lap('write');
    }
    if (b.done) break;
    if (b.hourEnd === undefined) continue;
    await store.maintain();
    lap('maintain');
    if ((b.hourEnd - start) % DAY !== 0) continue;
    await store.stop(); // a checkpoint, so the file size is the data's, not the WAL's
    await store.start();
    lap('checkpoint');
    sizes.push(size());
    const counts = [await store.rowCount(), await store.rowCount('rollup_1m'), await store.rowCount('rollup_1h')];
    console.log(`${(b.hourEnd - start) / DAY} | ${readings} | ${mb(size())} | ${counts.join(' | ')} | ${s(performance.now() - t0)} | ${s(spent.feed)}, ${s(spent.write)}, ${s(spent.maintain)}, ${s(spent.checkpoint)}`);
    for (const k of Object.keys(spent) as (keyof typeof spent)[]) spent[k] = 0;
    mark = performance.now();
  }
  await store.stop();
  const end = size();
  const rawDays = retention.rawMs / DAY;
  const growth = (from: number, to: number) => (to > from && sizes[to - 1] !== undefined ? `${((sizes[to - 1]! - sizes[from - 1]!) / (to - from) / 1e6).toFixed(1)} MB/day` : 'n/a');
  console.log(`end: ${readings} readings, ${mb(end)} MB, ${(end / Math.max(1, readings)).toFixed(1)} bytes per reading; ` +
    `growth days 1-${Math.min(days, rawDays)}: ${growth(1, Math.min(days, rawDays))}, days ${rawDays}-${days}: ${growth(rawDays, days)}; wall ${s(performance.now() - t0)} s`);
} finally {
  await worker.terminate();
  rmSync(dir, { recursive: true, force: true });
}
