// The InfluxDB adapter's pure half: what it writes (line protocol through the
// official client's Point) and the InfluxQL it asks, and how it reads the answers
// (answers recorded from Debian's influxd 1.6).
import { Point } from '@influxdata/influxdb-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../services/contracts/index.ts';
import { bucketToDbrp, ident, parseLatest, parseSeries, seriesQuery, str, toLines, type InfluxSeries } from '../../../services/store/influxql.ts';

const reading = (over: Partial<Reading> = {}): Reading => ({
  town: 'temirtau', subsystem: 'utilities', district: 'old-town', kind: 'water-pressure', deviceId: 'wp-1', ts: 1_764_000_000_123, receivedAt: 1_764_000_000_200, metrics: { pressure: 3.8, flow: 140 },
  ...over,
});
/** The official client's own serialisation of a reading (Point, with its WriteApi's ms time conversion): the oracle for toLines. */
const viaPoint = (r: Reading): string | undefined => {
  const p = new Point(r.kind).tag('town', r.town).tag('subsystem', r.subsystem).tag('district', r.district).tag('device', r.deviceId).timestamp(r.ts);
  for (const [metric, value] of Object.entries(r.metrics)) p.floatField(metric, value);
  return p.toLineProtocol({ convertTime: (t: unknown) => String(Math.floor(t as number)) } as never);
};

/** InfluxQL's scanner reading a quoted string (influxql scanner.go, ScanString), transcribed: the oracle for str/ident. */
function scan(quoted: string): string {
  const end = quoted[0]!;
  let out = '';
  for (let i = 1; i < quoted.length; i++) {
    const c = quoted[i]!;
    if (c === end) {
      if (i !== quoted.length - 1) throw new Error(`string ends early at ${i}`);
      return out;
    }
    if (c === '\n') throw new Error('bad string: raw newline');
    if (c === '\\') {
      const n = quoted[++i];
      if (n === 'n') out += '\n';
      else if (n === '\\' || n === '"' || n === "'") out += n;
      else throw new Error(`bad escape \\${n}`);
    } else out += c;
  }
  throw new Error('unterminated string');
}

describe('InfluxDB line protocol and InfluxQL', () => {
  it('writes a reading as one line: measurement = kind, tags town/subsystem/district/device, a float field per metric, the device timestamp in ms', () => {
    expect(toLines([reading()])).toEqual([
      'water-pressure,device=wp-1,district=old-town,subsystem=utilities,town=temirtau flow=140,pressure=3.8 1764000000123',
    ]);
  });

  it('escapes measurement, tags and field keys as line protocol requires, and skips a reading without metrics', () => {
    const lines = toLines([reading({ district: 'old town,east=1', kind: 'odd kind,x', metrics: { 'a=b c': 1 } }), reading({ metrics: {} })]);
    expect(lines).toEqual(['odd\\ kind\\,x,device=wp-1,district=old\\ town\\,east\\=1,subsystem=utilities,town=temirtau a\\=b\\ c=1 1764000000123']);
  });

  it("writes exactly what the official client's Point writes, for any names and finite values", () => {
    // line protocol's special characters are rare in uniform text: draw from them and a few others
    const name = fc.oneof(fc.string({ unit: fc.constantFrom('a', 'Z', '-', ',', ' ', '=', '\n', '\r', '\t', '\\', '"', "'", 'ё'), maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }));
    const arbReading = fc.record({
      town: name, subsystem: fc.constant('utilities' as const), district: name, kind: name, deviceId: name,
      ts: fc.integer({ min: 0, max: 4_000_000_000_000 }), receivedAt: fc.constant(0),
      metrics: fc.dictionary(name, fc.double({ noNaN: true, noDefaultInfinity: true }), { maxKeys: 4 }),
    });
    fc.assert(
      fc.property(fc.array(arbReading, { maxLength: 5 }), (readings) => {
        expect(toLines(readings)).toEqual(readings.map(viaPoint).filter((l) => l !== undefined));
      }),
    );
  });

  it('maps a bucket name to a database and retention policy as InfluxDB 1.8 does', () => {
    expect(bucketToDbrp('qala')).toEqual({ db: 'qala' });
    expect(bucketToDbrp('qala/autogen')).toEqual({ db: 'qala', rp: 'autogen' });
    expect(bucketToDbrp('qala/')).toEqual({ db: 'qala' });
  });

  it('quotes any string so that InfluxQL reads back exactly that string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(scan(str(s))).toBe(s);
        expect(scan(ident(s))).toBe(s);
      }),
    );
  });

  it('asks for epoch-aligned buckets of one device and metric within [from, to)', () => {
    expect(seriesQuery({ deviceId: "wp'1", metric: 'pressure', from: 1000, to: 121_000, stepMs: 60_000 })).toBe(
      `SELECT mean("pressure"), min("pressure"), max("pressure"), count("pressure") FROM /.*/ WHERE "device" = 'wp\\'1' AND time >= 1000ms AND time < 121000ms GROUP BY time(60000ms) fill(none)`,
    );
  });

  it('reads series buckets in time order', () => {
    const series: InfluxSeries[] = [{ name: 'water-pressure', columns: ['time', 'mean', 'min', 'max', 'count'], values: [[60_000, 4, 4, 4, 1], [0, 3.7, 3.6, 3.8, 2]] }];
    expect(parseSeries(series)).toEqual([
      { t: 0, avg: 3.7, min: 3.6, max: 3.8, count: 2 },
      { t: 60_000, avg: 4, min: 4, max: 4, count: 1 },
    ]);
  });

  it('folds last values and newest rows into one entry per device, the newer district winning', () => {
    const tags = (district: string, device = 'wp-1') => ({ device, district, subsystem: 'utilities', town: 'temirtau' });
    const last: InfluxSeries[] = [
      { name: 'air-station', tags: { ...tags('aktau', 'aq-1'), subsystem: 'environment' }, columns: ['time', 'last_flow', 'last_pm25', 'last_pressure'], values: [[0, null, 12, null]] },
      { name: 'water-pressure', tags: tags('new-town'), columns: ['time', 'last_flow', 'last_pm25', 'last_pressure'], values: [[0, 170, null, null]] },
      { name: 'water-pressure', tags: tags('old-town'), columns: ['time', 'last_flow', 'last_pm25', 'last_pressure'], values: [[0, 160, null, 3.6]] },
    ];
    const newest: InfluxSeries[] = [
      { name: 'water-pressure', tags: tags('old-town'), columns: ['time', 'flow', 'pm25', 'pressure'], values: [[50_000, 160, null, null]] },
      { name: 'water-pressure', tags: tags('new-town'), columns: ['time', 'flow', 'pm25', 'pressure'], values: [[90_000, 170, null, null]] },
      { name: 'air-station', tags: { ...tags('aktau', 'aq-1'), subsystem: 'environment' }, columns: ['time', 'flow', 'pm25', 'pressure'], values: [[40_000, null, 12, null]] },
    ];
    expect(parseLatest(last, newest)).toEqual([
      { deviceId: 'aq-1', town: 'temirtau', subsystem: 'environment', district: 'aktau', kind: 'air-station', ts: 40_000, metrics: { pm25: 12 } },
      { deviceId: 'wp-1', town: 'temirtau', subsystem: 'utilities', district: 'new-town', kind: 'water-pressure', ts: 90_000, metrics: { flow: 170, pressure: 3.6 } },
    ]);
  });
});
