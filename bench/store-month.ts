// How big the embedded store grows: a simulated town's feed written straight into a
// DuckDB file (no broker, so only the store is measured), with the maintenance pass
// (rollup merge and retention) run once a simulated hour as the platform does it every
// QALA_STORE_MAINTENANCE_MS. Prints the file size at the end of each simulated day.
//
//   node --import tsx bench/store-month.ts [--days 30] [--scale 1] [--scenario temirtau] [--raw-days 30]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Reading } from '../services/contracts/index.ts';
import { DEFAULT_RETENTION, DuckDbStore } from '../services/store/duckdb-store.ts';
import { Feed } from '../simulator/feed.ts';
import { loadScenario } from '../simulator/scenario.ts';

const { values } = parseArgs({
  options: { days: { type: 'string', default: '30' }, scale: { type: 'string', default: '1' }, scenario: { type: 'string', default: 'temirtau' }, 'raw-days': { type: 'string', default: '30' } },
});
const days = Number(values.days);
const scale = Number(values.scale);
const DAY = 86_400_000;
const scenario = loadScenario(values.scenario!);
const start = Date.UTC(2026, 0, 1, 0, 0, 0) - scenario.utcOffsetMinutes * 60_000;
const feed = new Feed({ scenario, town: scenario.id, seed: 42, start, intervalMs: 10_000, durationMs: days * DAY, scale, faultRate: 1 });
const dir = mkdtempSync(join(tmpdir(), 'qala-bench-month-'));
const retention = { ...DEFAULT_RETENTION, rawMs: Number(values['raw-days']) * DAY };
const store = new DuckDbStore({ dataDir: dir, retention });
await store.start();

const size = () => statSync(store.path).size + (() => { try { return statSync(`${store.path}.wal`).size; } catch { return 0; } })();
const mb = (b: number) => (b / 1e6).toFixed(0);
let batch: Reading[] = [];
let readings = 0;
let nextMaintain = start + 3_600_000;
let nextDay = start + DAY;
const t0 = performance.now();
console.log(`${scenario.name}, ${feed.devices.length} devices (scale ${scale}), a reading every 10 s, ${days} simulated days, raw kept ${values['raw-days']} d`);
console.log('day | readings | file MB | raw rows | 1-min rows | 1-h rows | wall s');
const flush = async () => {
  if (batch.length === 0) return;
  await store.write(batch);
  readings += batch.length;
  batch = [];
};
for (const m of feed.messages()) {
  if (m.type !== 'telemetry') continue;
  const [, town, subsystem, district, kind, deviceId] = m.topic.split('/');
  const p = JSON.parse(m.payload) as { ts: number; metrics: Record<string, number> };
  batch.push({ town: town!, subsystem: subsystem as Reading['subsystem'], district: district!, kind: kind!, deviceId: deviceId!, ts: p.ts, receivedAt: m.at, metrics: p.metrics });
  if (batch.length >= 5000) await flush();
  if (m.at >= nextMaintain) {
    await flush();
    await store.maintain();
    nextMaintain += 3_600_000;
  }
  if (m.at >= nextDay) {
    await flush();
    await store.stop(); // a checkpoint, so the file size is the data's, not the WAL's
    await store.start();
    const d = Math.round((nextDay - start) / DAY);
    console.log(`${d} | ${readings} | ${mb(size())} | ${await store.rowCount()} | ${await store.rowCount('rollup_1m')} | ${await store.rowCount('rollup_1h')} | ${((performance.now() - t0) / 1000).toFixed(0)}`);
    nextDay += DAY;
  }
}
await flush();
await store.maintain();
await store.stop();
console.log(`end: ${readings} readings, ${mb(size())} MB, ${(size() / Math.max(1, readings)).toFixed(1)} bytes per reading`);
rmSync(dir, { recursive: true, force: true });
