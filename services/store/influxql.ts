// The InfluxDB adapter's pure half: readings → points (one measurement per device
// kind, tags town/subsystem/district/device, a field per metric, the device's own
// timestamp), the InfluxQL it asks /query, and how it reads the answers. No I/O, so
// the unit tests check it without a server.
import type { Reading } from '../contracts/index.ts';
import type { LatestDevice, SeriesPoint, SeriesQuery } from './port.ts';

/** The tag keys, in one place for the writer and the queries. */
export const TAG = { town: 'town', subsystem: 'subsystem', district: 'district', device: 'device' } as const;

// Line protocol escapes (InfluxDB line protocol reference, "Special characters"), the
// same as the official client's Point: in a measurement , and space; in tag keys, tag
// values and field keys also =; and \n \r \t written as escapes, as Point does. The
// unit test holds this to Point.toLineProtocol for any string. Point itself costs
// ~10x this per reading, on the event loop, for every reading the town sends.
const MEASUREMENT_SPECIAL = /[, \n\r\t]/;
const TAG_SPECIAL = /[, =\n\r\t]/;
const ESCAPES: Record<string, string> = { ',': '\\,', ' ': '\\ ', '=': '\\=', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const escMeasurement = (s: string): string => (MEASUREMENT_SPECIAL.test(s) ? s.replace(/[, \n\r\t]/g, (c) => ESCAPES[c]!) : s);
const escTag = (s: string): string => (TAG_SPECIAL.test(s) ? s.replace(/[, =\n\r\t]/g, (c) => ESCAPES[c]!) : s);

/**
 * One line per reading: measurement = kind, tags device/district/subsystem/town (in
 * key order, as InfluxDB prefers), a float field per metric in key order, the
 * device's timestamp in ms. A reading with nothing writable writes no line; a value
 * line protocol cannot carry (NaN, ±Infinity, which ingest's schemas refuse anyway)
 * is left out rather than poisoning the batch.
 */
export function toLines(readings: readonly Reading[]): string[] {
  const lines: string[] = [];
  for (const r of readings) {
    let fields = '';
    for (const metric of Object.keys(r.metrics).sort()) {
      const v = r.metrics[metric]!;
      if (!metric || !Number.isFinite(v)) continue;
      fields += `${fields ? ',' : ''}${escTag(metric)}=${String(v)}`;
    }
    if (!fields || !r.kind) continue;
    let tags = '';
    for (const [key, value] of [[TAG.device, r.deviceId], [TAG.district, r.district], [TAG.subsystem, r.subsystem], [TAG.town, r.town]] as const) {
      if (value) tags += `,${key}=${escTag(value)}`;
    }
    lines.push(`${escMeasurement(r.kind)}${tags} ${fields} ${Math.floor(r.ts)}`);
  }
  return lines;
}

/**
 * Where a bucket name sends InfluxQL: "db/rp" → database db, retention policy rp;
 * "db" → database db, its default policy. The rule InfluxDB 1.8 applies to its
 * /api/v2/write route (services/httpd/handler.go, bucket2dbrp) and that a 2.x DBRP
 * mapping or a 3 Core database name follows.
 */
export function bucketToDbrp(bucket: string): { db: string; rp?: string } {
  const slash = bucket.indexOf('/');
  if (slash < 0) return { db: bucket };
  const db = bucket.slice(0, slash);
  const rp = bucket.slice(slash + 1);
  return rp ? { db, rp } : { db };
}

/**
 * Quotes for InfluxQL's scanner (influxql scanner.go, ScanString): inside quotes it
 * reads \\ \' \" and \n as escapes and refuses a raw newline, for string literals
 * ('…') and quoted identifiers ("…") alike.
 */
const quote = (s: string, q: "'" | '"'): string => q + s.replace(/\\/g, '\\\\').replace(q === "'" ? /'/g : /"/g, `\\${q}`).replace(/\n/g, '\\n') + q;
/** InfluxQL string literal, single-quoted. */
export const str = (s: string): string => quote(s, "'");
/** InfluxQL quoted identifier, double-quoted. */
export const ident = (s: string): string => quote(s, '"');

/**
 * Buckets of `stepMs` aligned to the epoch, as the DuckDB adapter's `ts // step * step`:
 * InfluxQL's GROUP BY time() buckets start at multiples of the interval since the
 * epoch when no offset is given. The device's kind is not asked for: a device lives
 * in one measurement, and `FROM /.* /` finds it wherever it is.
 */
export function seriesQuery(q: SeriesQuery): string {
  const f = ident(q.metric);
  return (
    `SELECT mean(${f}), min(${f}), max(${f}), count(${f}) FROM /.*/` +
    ` WHERE ${ident(TAG.device)} = ${str(q.deviceId)} AND time >= ${Math.trunc(q.from)}ms AND time < ${Math.trunc(q.to)}ms` +
    ` GROUP BY time(${Math.trunc(q.stepMs)}ms) fill(none)`
  );
}

/**
 * Two statements: the last value of every field per series (its time column is 0 for
 * several selectors at once), and the newest row per series for the time of the
 * device's latest reading.
 */
export const LATEST_QUERY = 'SELECT last(*) FROM /.*/ GROUP BY *; SELECT * FROM /.*/ GROUP BY * ORDER BY time DESC LIMIT 1';

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: (number | string | null)[][];
}
export interface InfluxResult {
  statement_id?: number;
  series?: InfluxSeries[];
  error?: string;
  partial?: boolean;
}
export interface InfluxResponse {
  results?: InfluxResult[];
  error?: string;
}

/** The statement's series, or an error message if InfluxDB refused it or cut it short. */
export function statement(res: InfluxResponse, i: number): InfluxSeries[] | string {
  if (res.error) return res.error;
  const r = res.results?.[i];
  if (!r) return `no result for statement ${i}`;
  if (r.error) return r.error;
  // a result cut at the server's max-row-limit would under-count: refuse it rather than answer wrong
  if (r.partial) return 'the result was truncated by the server (raise [http] max-row-limit)';
  return r.series ?? [];
}

export function parseSeries(series: readonly InfluxSeries[]): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (const s of series) {
    const col = (name: string) => s.columns.indexOf(name);
    const [t, mean, min, max, count] = ['time', 'mean', 'min', 'max', 'count'].map(col) as [number, number, number, number, number];
    for (const row of s.values) {
      if (row[count] === null || row[count] === 0) continue;
      points.push({ t: Number(row[t]), avg: Number(row[mean]), min: Number(row[min]), max: Number(row[max]), count: Number(row[count]) });
    }
  }
  return points.sort((a, b) => a.t - b.t);
}

/**
 * Folds both statements of LATEST_QUERY into one entry per device. A device that moved
 * district has a series per district: the values of the newer one win, as the
 * directory updates in place on every reading.
 */
export function parseLatest(lastValues: readonly InfluxSeries[], newestRows: readonly InfluxSeries[]): LatestDevice[] {
  const key = (s: InfluxSeries) => `${s.name}\u0000${JSON.stringify(s.tags ?? {})}`;
  const newest = new Map<string, number>();
  for (const s of newestRows) {
    const t = s.values[0]?.[s.columns.indexOf('time')];
    if (typeof t === 'number') newest.set(key(s), t);
  }
  const byDevice = new Map<string, LatestDevice>();
  const entries = lastValues
    .map((s) => ({ s, ts: newest.get(key(s)) ?? 0 }))
    .sort((a, b) => a.ts - b.ts);
  for (const { s, ts } of entries) {
    const tags = s.tags ?? {};
    const deviceId = tags[TAG.device];
    if (!deviceId) continue;
    const row = s.values[0] ?? [];
    const metrics: Record<string, number> = {};
    s.columns.forEach((c, i) => {
      const v = row[i];
      if (c.startsWith('last_') && typeof v === 'number') metrics[c.slice('last_'.length)] = v;
    });
    const prev = byDevice.get(deviceId);
    byDevice.set(deviceId, {
      deviceId,
      town: tags[TAG.town] ?? '',
      subsystem: tags[TAG.subsystem] ?? '',
      district: tags[TAG.district] ?? '',
      kind: s.name,
      ts: Math.max(ts, prev?.ts ?? 0),
      metrics: { ...prev?.metrics, ...metrics },
    });
  }
  return [...byDevice.values()].sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
}
