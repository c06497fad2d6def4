// InfluxDB adapter: writes through the official client's write API (/api/v2/write,
// gzip), reads through InfluxQL on /query, which InfluxDB 1.8+, 2.x (with a DBRP
// mapping) and 3 Core all serve.
//
// Durability: the client's WriteApi buffers lines and retries on its own, and a
// batch that it gives up on after its last retry is only logged. So each write()
// gets a WriteApi of its own with its retries off and a batch size above the
// batch, and awaits flush(): the promise resolves once InfluxDB has answered 204
// (accepted) and rejects otherwise. The store writer then keeps the batch and
// retries with its own backoff, and the intake releases a reading only after that.
import { InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import type { Reading } from '../contracts/index.ts';
import { QalaError } from '../contracts/errors.ts';
import { bucketToDbrp, LATEST_QUERY, parseLatest, parseSeries, seriesQuery, statement, toLines, type InfluxResponse } from './influxql.ts';
import type { LatestDevice, SeriesPoint, SeriesQuery, TimeSeriesStore } from './port.ts';

export interface InfluxDbStoreDeps {
  url: string;
  /** 2.x / 3: an API token; 1.x with auth on: "user:password" (1.8 reads `Authorization: Token user:password`) */
  token?: string;
  /** 2.x: the organisation; 1.8 and 3 Core ignore it */
  org?: string;
  /** "database/retention-policy" or "database" (1.x, 3 Core), the bucket on 2.x */
  bucket: string;
  timeoutMs: number;
  /** told when InfluxDB took a batch but dropped readings older than its retention policy keeps */
  onRetentionDrop?: (dropped: number, batch: number) => void;
}

/**
 * InfluxDB's answer when it stored a batch except the points older than its retention
 * policy's duration (1.x: 400, tsdb PartialWriteError "partial write: points beyond
 * retention policy dropped=N"; 2.x says the same with 422). Retrying cannot change
 * it, and those points would be deleted by the policy anyway: the batch is taken as
 * written, and the drop is reported, not retried forever.
 */
const BEYOND_RETENTION = /partial write: points beyond retention policy dropped=(\d+)/;

/** Bodies past this many bytes are gzipped (the client's default threshold, made explicit). */
const GZIP_THRESHOLD = 1000;

export class InfluxDbStore implements TimeSeriesStore {
  readonly #deps: InfluxDbStoreDeps;
  #client: InfluxDB | undefined;

  constructor(deps: InfluxDbStoreDeps) {
    this.#deps = deps;
  }

  /** Checks that InfluxDB answers and lists the database, so a wrong setting stops start-up with its name. */
  async start(): Promise<void> {
    this.#client = new InfluxDB({ url: this.#deps.url, timeout: this.#deps.timeoutMs, ...(this.#deps.token ? { token: this.#deps.token } : {}) });
    const { db } = bucketToDbrp(this.#deps.bucket);
    let res: InfluxResponse;
    try {
      res = await this.#get('SHOW DATABASES');
    } catch (err) {
      this.#client = undefined;
      throw new QalaError('ERR_STORE_UNAVAILABLE', `InfluxDB at QALA_INFLUX_URL=${this.#deps.url} did not answer: ${(err as Error).message}`, { cause: err });
    }
    const listed = statement(res, 0);
    const known = typeof listed === 'string' ? [] : listed.flatMap((s) => s.values.map((row) => String(row[0])));
    if (typeof listed === 'string' || !known.includes(db)) {
      this.#client = undefined;
      const why = typeof listed === 'string' ? listed : `no database "${db}" (it has: ${known.join(', ') || 'none'}); create it, or on 2.x map the bucket with a DBRP mapping`;
      throw new QalaError('ERR_STORE_UNAVAILABLE', `InfluxDB at QALA_INFLUX_URL=${this.#deps.url} refused QALA_INFLUX_BUCKET=${this.#deps.bucket}: ${why}`);
    }
  }

  async stop(): Promise<void> {
    this.#client = undefined;
  }

  async write(readings: readonly Reading[]): Promise<void> {
    const lines = toLines(readings);
    if (lines.length === 0) return;
    const api: WriteApi = this.#influx().getWriteApi(this.#deps.org ?? '', this.#deps.bucket, 'ms', {
      batchSize: lines.length + 1, // never an automatic flush, whose failure the client would only log
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0, // the store writer retries, and keeps the batch meanwhile
      // the failure becomes flush()'s rejection (the client would also print it to the console)
      writeFailed: (error) => Promise.reject(error),
      gzipThreshold: GZIP_THRESHOLD,
    });
    try {
      api.writeRecords(lines);
      await api.flush();
    } catch (err) {
      const beyond = BEYOND_RETENTION.exec((err as Error).message);
      if (beyond) {
        this.#deps.onRetentionDrop?.(Number(beyond[1]), readings.length);
        return;
      }
      throw new QalaError('ERR_STORE_WRITE', `InfluxDB write of ${readings.length} readings to ${this.#deps.bucket} failed: ${(err as Error).message}`, { cause: err });
    } finally {
      api.dispose();
    }
  }

  async series(q: SeriesQuery): Promise<SeriesPoint[]> {
    const series = statement(await this.#query(seriesQuery(q)), 0);
    if (typeof series === 'string') throw new QalaError('ERR_STORE_QUERY', `InfluxDB series query failed: ${series}`);
    return parseSeries(series);
  }

  async latest(): Promise<LatestDevice[]> {
    const res = await this.#query(LATEST_QUERY);
    const last = statement(res, 0);
    const newest = statement(res, 1);
    if (typeof last === 'string' || typeof newest === 'string') throw new QalaError('ERR_STORE_QUERY', `InfluxDB latest-values query failed: ${typeof last === 'string' ? last : newest}`);
    return parseLatest(last, newest as Exclude<typeof newest, string>);
  }

  async #query(q: string): Promise<InfluxResponse> {
    try {
      return await this.#get(q);
    } catch (err) {
      throw new QalaError('ERR_STORE_QUERY', `InfluxDB query failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** InfluxQL over GET /query (read-only statements), times as epoch milliseconds. */
  #get(q: string): Promise<InfluxResponse> {
    const { db, rp } = bucketToDbrp(this.#deps.bucket);
    const params = new URLSearchParams({ db, q, epoch: 'ms' });
    if (rp) params.set('rp', rp);
    return this.#influx().transport.request(`/query?${params}`, null, { method: 'GET', headers: { accept: 'application/json' } }) as Promise<InfluxResponse>;
  }

  #influx(): InfluxDB {
    if (!this.#client) throw new QalaError('ERR_STORE_QUERY', 'InfluxDB store is not started');
    return this.#client;
  }
}
