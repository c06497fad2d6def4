// Embedded DuckDB adapter: one long table (a row per metric value), written with
// the appender, queried with integer-ms buckets. The file lives in QALA_DATA_DIR.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Reading } from '../contracts/index.ts';
import { QalaError } from '../contracts/errors.ts';
import type { LatestDevice, SeriesPoint, SeriesQuery, TimeSeriesStore } from './port.ts';

export interface DuckDbStoreDeps {
  dataDir: string;
  fileName?: string;
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
    if (this.#writer) await this.#writer.run('CHECKPOINT');
    this.#writer?.closeSync();
    this.#reader?.closeSync();
    this.#instance?.closeSync();
    this.#writer = this.#reader = this.#instance = undefined;
  }

  async write(readings: readonly Reading[]): Promise<void> {
    const conn = this.#conn(this.#writer);
    const appender = await conn.createAppender('readings');
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
      }
      appender.flushSync();
    } catch (err) {
      appender.clear();
      throw new QalaError('ERR_STORE_WRITE', `DuckDB append of ${readings.length} readings failed: ${(err as Error).message}`, { cause: err });
    } finally {
      appender.closeSync();
    }
  }

  async series(q: SeriesQuery): Promise<SeriesPoint[]> {
    const reader = await this.#query(
      `SELECT (ts_ms // $step) * $step AS t, avg(value) AS avg, min(value) AS min, max(value) AS max, count(*) AS n
         FROM readings
        WHERE device_id = $device AND metric = $metric AND ts_ms >= $from AND ts_ms < $to
        GROUP BY 1 ORDER BY 1`,
      { step: BigInt(q.stepMs), device: q.deviceId, metric: q.metric, from: BigInt(q.from), to: BigInt(q.to) },
    );
    return reader.getRowObjectsJS().map((row) => ({
      t: Number(row.t),
      avg: Number(row.avg),
      min: Number(row.min),
      max: Number(row.max),
      count: Number(row.n),
    }));
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

  /** Readings rows stored, for tests and /health. */
  async rowCount(): Promise<number> {
    const reader = await this.#query('SELECT count(*) AS n FROM readings');
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
