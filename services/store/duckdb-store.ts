// Embedded DuckDB adapter: one long table (a row per metric value), written with
// the appender, queried with integer-ms buckets. The file lives in QALA_DATA_DIR.
//
// Rollups: each write also appends, in the same transaction, the batch's partial
// aggregates (sum, min, max, count) per device, metric and 1-minute / 1-hour bucket of
// data time. Late and back-filled readings simply add partials to their old buckets;
// a maintenance pass merges each bucket's partials into one row and deletes what is
// older than its retention (raw 30 d, 1 min 90 d, 1 h 5 years by default), measured
// back from the newest stored reading, so a replay of last January is not wiped by
// today's wall clock. Queries with a long step read the rollups (pickSource).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Clock, Reading, Timer } from '../contracts/index.ts';
import { QalaError } from '../contracts/errors.ts';
import { pickSource, type LatestDevice, type Retention, type SeriesManyQuery, type SeriesPoint, type SeriesQuery, type SeriesSource, type TimeSeriesStore } from './port.ts';

export interface DuckDbStoreDeps {
  dataDir: string;
  fileName?: string;
  clock?: Clock;
  retention?: Retention;
  /** how often rollup partials are merged and expired data deleted; 0 = never (tests call maintain()) */
  maintenanceMs?: number;
  onMaintenanceError?: (err: Error) => void;
}

export const DEFAULT_RETENTION: Retention = { rawMs: 30 * 86_400_000, minuteMs: 90 * 86_400_000, hourMs: 5 * 365 * 86_400_000 };

const ROLLUPS = [
  { table: 'rollup_1m', ms: 60_000, kept: 'minuteMs' },
  { table: 'rollup_1h', ms: 3_600_000, kept: 'hourMs' },
] as const;

const rollupSchema = (table: string) => `
CREATE TABLE IF NOT EXISTS ${table} (
  bucket_ms BIGINT NOT NULL,
  device_id VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  sum DOUBLE NOT NULL,
  min DOUBLE NOT NULL,
  max DOUBLE NOT NULL,
  n BIGINT NOT NULL,
  merged BOOLEAN NOT NULL
)`;

export interface MaintenanceResult {
  /** rows deleted per table for being older than its retention */
  expired: Record<string, number>;
  /** partial rollup rows merged away */
  merged: number;
}

interface Partial {
  sum: number;
  min: number;
  max: number;
  n: number;
}

/** device → metric → bucket start → partial aggregate; nested maps, no key strings to build per value */
type Partials = Map<string, Map<string, Map<number, Partial>>>;

const bucketOf = (ts: number, ms: number) => ts - (((ts % ms) + ms) % ms);

function add(parts: Partials, deviceId: string, metric: string, bucket: number, sum: number, min: number, max: number, n: number): void {
  let byMetric = parts.get(deviceId);
  if (!byMetric) parts.set(deviceId, (byMetric = new Map()));
  let byBucket = byMetric.get(metric);
  if (!byBucket) byMetric.set(metric, (byBucket = new Map()));
  const p = byBucket.get(bucket);
  if (!p) {
    byBucket.set(bucket, { sum, min, max, n });
    return;
  }
  p.sum += sum;
  p.n += n;
  if (min < p.min) p.min = min;
  if (max > p.max) p.max = max;
}

function aggregate(readings: readonly Reading[], ms: number): Partials {
  const parts: Partials = new Map();
  for (const r of readings) {
    const bucket = bucketOf(r.ts, ms);
    for (const metric in r.metrics) {
      const v = r.metrics[metric]!;
      add(parts, r.deviceId, metric, bucket, v, v, v, 1);
    }
  }
  return parts;
}

function coarsen(fine: Partials, ms: number): Partials {
  const parts: Partials = new Map();
  for (const [deviceId, byMetric] of fine)
    for (const [metric, byBucket] of byMetric)
      for (const [bucket, p] of byBucket) add(parts, deviceId, metric, bucketOf(bucket, ms), p.sum, p.min, p.max, p.n);
  return parts;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS readings (
  ts_ms BIGINT NOT NULL,
  received_ms BIGINT NOT NULL,
  town VARCHAR NOT NULL,
  subsystem VARCHAR NOT NULL,
  district VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  device_id VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  value DOUBLE NOT NULL
)`;

export class DuckDbStore implements TimeSeriesStore {
  readonly #deps: DuckDbStoreDeps;
  #instance: DuckDBInstance | undefined;
  #writer: DuckDBConnection | undefined;
  #reader: DuckDBConnection | undefined;
  #timer: Timer | undefined;
  /** writes and maintenance take turns on the writer connection */
  #turn: Promise<unknown> = Promise.resolve();
  #newest = 0;

  constructor(deps: DuckDbStoreDeps) {
    this.#deps = deps;
  }

  get path(): string {
    return join(this.#deps.dataDir, this.#deps.fileName ?? 'qala.duckdb');
  }

  async start(): Promise<void> {
    await mkdir(this.#deps.dataDir, { recursive: true });
    this.#instance = await this.#open();
    this.#writer = await this.#instance.connect();
    this.#reader = await this.#instance.connect();
    await this.#writer.run(SCHEMA);
    for (const r of ROLLUPS) await this.#writer.run(rollupSchema(r.table));
    const newest = (await this.#writer.runAndReadAll('SELECT max(ts_ms) AS t FROM readings')).getRowObjectsJS()[0]?.t;
    this.#newest = newest == null ? 0 : Number(newest);
    this.#scheduleMaintenance();
  }

  get retention(): Retention {
    return this.#deps.retention ?? DEFAULT_RETENTION;
  }

  #scheduleMaintenance(): void {
    const every = this.#deps.maintenanceMs ?? 0;
    if (every <= 0 || !this.#deps.clock) return;
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.maintain()
        .catch((err: Error) => this.#deps.onMaintenanceError?.(err))
        .finally(() => this.#writer && this.#scheduleMaintenance());
    }, every);
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#turn.then(work, work);
    this.#turn = next.catch(() => undefined);
    return next;
  }

  /** Merges rollup partials and deletes data older than each table's retention. */
  maintain(): Promise<MaintenanceResult> {
    return this.#serially(async () => {
      const conn = this.#conn(this.#writer);
      const result: MaintenanceResult = { expired: {}, merged: 0 };
      const newest = this.#newest;
      try {
        await conn.run('BEGIN TRANSACTION');
        for (const { table } of ROLLUPS) result.merged += await this.#merge(conn, table);
        if (newest > 0) {
          const ret = this.retention;
          const cut = { readings: newest - ret.rawMs, rollup_1m: newest - ret.minuteMs, rollup_1h: newest - ret.hourMs };
          for (const [table, before] of Object.entries(cut)) {
            const col = table === 'readings' ? 'ts_ms' : 'bucket_ms';
            const del = await conn.run(`DELETE FROM ${table} WHERE ${col} < $before`, { before: BigInt(before) });
            result.expired[table] = Number(del.rowsChanged);
          }
        }
        await conn.run('COMMIT');
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw new QalaError('ERR_STORE_WRITE', `DuckDB maintenance failed: ${(err as Error).message}`, { cause: err });
      }
      return result;
    });
  }

  /**
   * One row per (bucket, device, metric) where partials were added since the last merge.
   * Only buckets from the oldest unmerged one on are read: DuckDB skips the row groups
   * whose bucket_ms zone map ends before it, so a merge costs what was written since the
   * last one, not the whole table (90 days of 1-minute rows for a town, every minute).
   */
  async #merge(conn: DuckDBConnection, table: string): Promise<number> {
    const lo = (await conn.runAndReadAll(`SELECT min(bucket_ms) AS lo FROM ${table} WHERE NOT merged`)).getRowObjectsJS()[0]?.lo;
    if (lo == null) return 0;
    const from = { lo: BigInt(lo as bigint) };
    const touched = `SELECT DISTINCT bucket_ms, device_id, metric FROM ${table} WHERE NOT merged`;
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE qala_merge AS
      SELECT t.bucket_ms, t.device_id, t.metric, sum(t.sum) AS sum, min(t.min) AS min, max(t.max) AS max,
             sum(t.n)::BIGINT AS n, true AS merged, count(*) AS parts
        FROM ${table} t SEMI JOIN (${touched}) k USING (bucket_ms, device_id, metric)
       WHERE t.bucket_ms >= $lo
       GROUP BY t.bucket_ms, t.device_id, t.metric`,
      from,
    );
    const before = (await conn.runAndReadAll('SELECT coalesce(sum(parts), 0) AS p, count(*) AS k FROM qala_merge')).getRowObjectsJS()[0];
    await conn.run(`DELETE FROM ${table} t WHERE t.bucket_ms >= $lo AND EXISTS (SELECT 1 FROM qala_merge m WHERE m.bucket_ms = t.bucket_ms AND m.device_id = t.device_id AND m.metric = t.metric)`, from);
    await conn.run(`INSERT INTO ${table} SELECT bucket_ms, device_id, metric, sum, min, max, n, merged FROM qala_merge`);
    await conn.run('DROP TABLE qala_merge');
    return Number(before?.p ?? 0) - Number(before?.k ?? 0);
  }

  /** DuckDB locks its file for one process; a second Qala on the same directory gets a clear line instead of DuckDB's IO error. */
  async #open(): Promise<DuckDBInstance> {
    try {
      return await DuckDBInstance.create(this.path);
    } catch (err) {
      const message = (err as Error).message;
      if (!/Could not set lock on file/i.test(message)) throw err;
      const pid = /\(PID (\d+)\)/.exec(message)?.[1];
      throw new QalaError(
        'ERR_DATA_DIR_LOCKED',
        `QALA_DATA_DIR=${this.#deps.dataDir} is in use by another Qala${pid ? ` (pid ${pid})` : ''}; stop that one, or set QALA_DATA_DIR to another directory`,
        { cause: err },
      );
    }
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    await this.#turn;
    if (this.#writer) await this.#writer.run('CHECKPOINT');
    this.#writer?.closeSync();
    this.#reader?.closeSync();
    this.#instance?.closeSync();
    this.#writer = this.#reader = this.#instance = undefined;
  }

  write(readings: readonly Reading[]): Promise<void> {
    return this.#serially(() => this.#write(readings));
  }

  async #write(readings: readonly Reading[]): Promise<void> {
    const conn = this.#conn(this.#writer);
    await conn.run('BEGIN TRANSACTION');
    const appender = await conn.createAppender('readings');
    let newest = this.#newest;
    let closed = false;
    try {
      for (const r of readings) {
        for (const [metric, value] of Object.entries(r.metrics)) {
          appender.appendBigInt(BigInt(r.ts));
          appender.appendBigInt(BigInt(r.receivedAt));
          appender.appendVarchar(r.town);
          appender.appendVarchar(r.subsystem);
          appender.appendVarchar(r.district);
          appender.appendVarchar(r.kind);
          appender.appendVarchar(r.deviceId);
          appender.appendVarchar(metric);
          appender.appendDouble(value);
          appender.endRow();
        }
        if (r.ts > newest) newest = r.ts;
      }
      appender.flushSync();
      closed = true;
      appender.closeSync();
      await this.#appendPartials(conn, readings);
      await conn.run('COMMIT');
      this.#newest = newest;
    } catch (err) {
      if (!closed) {
        appender.clear();
        appender.closeSync();
      }
      await conn.run('ROLLBACK').catch(() => undefined);
      throw new QalaError('ERR_STORE_WRITE', `DuckDB append of ${readings.length} readings failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * The batch's own aggregates per (device, metric, bucket) for every rollup, merged
   * later by maintain(): the batch is aggregated once, to the finest rollup, and each
   * coarser one is folded from those partials (their buckets nest: both count from the epoch).
   */
  async #appendPartials(conn: DuckDBConnection, readings: readonly Reading[]): Promise<void> {
    let parts: Partials | undefined;
    for (const { table, ms } of ROLLUPS) {
      parts = parts ? coarsen(parts, ms) : aggregate(readings, ms);
      const appender = await conn.createAppender(table);
      try {
        for (const [deviceId, byMetric] of parts)
          for (const [metric, byBucket] of byMetric)
            for (const [bucket, p] of byBucket) {
              appender.appendBigInt(BigInt(bucket));
              appender.appendVarchar(deviceId);
              appender.appendVarchar(metric);
              appender.appendDouble(p.sum);
              appender.appendDouble(p.min);
              appender.appendDouble(p.max);
              appender.appendBigInt(BigInt(p.n));
              appender.appendBoolean(false);
              appender.endRow();
            }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    }
  }

  seriesSource(q: SeriesQuery): SeriesSource {
    return pickSource(q.stepMs, q.from, this.#newest || q.to, this.retention);
  }

  async series(q: SeriesQuery): Promise<SeriesPoint[]> {
    const { deviceId, ...rest } = q;
    return (await this.seriesMany({ ...rest, deviceIds: [deviceId] })).get(deviceId) ?? [];
  }

  async seriesMany(q: SeriesManyQuery): Promise<Map<string, SeriesPoint[]>> {
    const out = new Map<string, SeriesPoint[]>();
    if (q.deviceIds.length === 0) return out;
    const source = this.seriesSource({ ...q, deviceId: q.deviceIds[0]! });
    // device ids never hold a comma (DEVICE_ID), so the list travels as one parameter
    const devices = q.deviceIds.length === 1 ? 'device_id = $devices' : "device_id IN (SELECT unnest(string_split($devices, ',')))";
    const sql =
      source === 'raw'
        ? `SELECT device_id, (ts_ms // $step) * $step AS t, avg(value) AS avg, min(value) AS min, max(value) AS max, count(*) AS n
             FROM readings
            WHERE ${devices} AND metric = $metric AND ts_ms >= $from AND ts_ms < $to
            GROUP BY 1, 2 ORDER BY 1, 2`
        : `SELECT device_id, (bucket_ms // $step) * $step AS t, sum(sum) / sum(n) AS avg, min(min) AS min, max(max) AS max, sum(n) AS n
             FROM ${source === '1m' ? 'rollup_1m' : 'rollup_1h'}
            WHERE ${devices} AND metric = $metric AND bucket_ms >= $from AND bucket_ms < $to
            GROUP BY 1, 2 ORDER BY 1, 2`;
    // a rollup answers in whole buckets: the one holding `from` counts, though it began before
    const res = source === '1m' ? 60_000 : source === '1h' ? 3_600_000 : 1;
    const reader = await this.#query(sql, {
      step: BigInt(q.stepMs),
      devices: q.deviceIds.join(','),
      metric: q.metric,
      from: BigInt(q.from - (((q.from % res) + res) % res)),
      to: BigInt(q.to),
    });
    for (const row of reader.getRowObjectsJS()) {
      const id = String(row.device_id);
      let list = out.get(id);
      if (!list) out.set(id, (list = []));
      list.push({ t: Number(row.t), avg: Number(row.avg), min: Number(row.min), max: Number(row.max), count: Number(row.n) });
    }
    return out;
  }

  async latest(): Promise<LatestDevice[]> {
    const reader = await this.#query(
      `SELECT device_id, any_value(town) AS town, any_value(subsystem) AS subsystem, any_value(district) AS district,
              any_value(kind) AS kind, metric, arg_max(value, ts_ms) AS value, max(ts_ms) AS ts
         FROM readings GROUP BY device_id, metric ORDER BY device_id`,
    );
    const devices = new Map<string, LatestDevice>();
    for (const row of reader.getRowObjectsJS()) {
      const id = String(row.device_id);
      const d = devices.get(id) ?? {
        deviceId: id,
        town: String(row.town),
        subsystem: String(row.subsystem),
        district: String(row.district),
        kind: String(row.kind),
        ts: 0,
        metrics: {},
      };
      d.metrics[String(row.metric)] = Number(row.value);
      d.ts = Math.max(d.ts, Number(row.ts));
      devices.set(id, d);
    }
    return [...devices.values()];
  }

  /** Rows stored in a table (readings by default), for tests and /health. */
  async rowCount(table: 'readings' | 'rollup_1m' | 'rollup_1h' = 'readings'): Promise<number> {
    const reader = await this.#query(`SELECT count(*) AS n FROM ${table}`);
    return Number(reader.getRowObjectsJS()[0]?.n ?? 0);
  }

  async #query(sql: string, values?: Record<string, string | bigint>) {
    try {
      return await this.#conn(this.#reader).runAndReadAll(sql, values);
    } catch (err) {
      throw new QalaError('ERR_STORE_QUERY', `DuckDB query failed: ${(err as Error).message}`, { cause: err });
    }
  }

  #conn(c: DuckDBConnection | undefined): DuckDBConnection {
    if (!c) throw new QalaError('ERR_STORE_QUERY', 'DuckDB store is not started');
    return c;
  }
}
