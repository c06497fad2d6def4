// The InfluxDB adapter against a real influxd (Debian's 1.6 behind the v2-write
// front, infra/influxdb.ts): what it writes through the official client is what
// InfluxQL reads back; a write the server cannot take rejects (the store writer
// keeps the batch), and a wrong URL or database stops start-up by its setting.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../services/contracts/index.ts';
import { QalaError } from '../../services/contracts/errors.ts';
import { InfluxDbStore } from '../../services/store/influxdb-store.ts';
import { freePort } from '../../infra/mosquitto.ts';
import { influxdbAvailable, startInfluxDb, type TestInfluxDb } from '../helpers/influxdb.ts';
import { hold } from '../helpers/resources.ts';
import { influxQl } from '../../infra/influxdb.ts';

const T0 = Date.UTC(2026, 10, 22, 6, 0);
const reading = (deviceId: string, i: number, over: Partial<Reading> = {}): Reading => ({
  town: 'temirtau', subsystem: 'utilities', district: 'old-town', kind: 'water-pressure', deviceId, ts: T0 + i * 1000, receivedAt: T0 + i * 1000 + 5, metrics: { pressure: 3 + i / 100, flow: 100 + i },
  ...over,
});

describe.runIf(influxdbAvailable())('InfluxDB store adapter on a real influxd', () => {
  let influx: TestInfluxDb;
  beforeAll(async () => {
    influx = await startInfluxDb();
  });
  const open = async (bucket: string, url = influx.url) => {
    const store = new InfluxDbStore({ url, bucket, timeoutMs: 5_000 });
    await store.start();
    hold(`InfluxDB store on ${bucket}`, () => store.stop());
    return store;
  };

  it('writes a batch through the client and reads it back as /api/series buckets and the latest values', async () => {
    const { influxBucket } = await influx.fresh('roundtrip');
    const store = await open(influxBucket);
    const batch = Array.from({ length: 120 }, (_, i) => reading('wp-1', i));
    batch.push(reading('aq-1', 0, { subsystem: 'environment', district: 'aktau', kind: 'air-station', metrics: { pm25: 12 } }));
    batch.push(reading('wp-1', 200, { metrics: { flow: 999 } })); // a partial reading: only flow
    const gzipped = influx.writes.gzip;
    await store.write(batch);
    expect(influx.writes.gzip).toBe(gzipped + 1); // one request for the batch, gzipped (its body is over 1 KB)

    const points = await store.series({ deviceId: 'wp-1', metric: 'pressure', from: T0, to: T0 + 120_000, stepMs: 60_000 });
    const pressure = (i: number) => reading('wp-1', i).metrics.pressure;
    expect(points.map((p) => [p.t, p.count, p.min, p.max])).toEqual([[T0, 60, pressure(0), pressure(59)], [T0 + 60_000, 60, pressure(60), pressure(119)]]);
    expect(points[0]!.avg).toBeCloseTo(3.295, 10);
    expect(await store.series({ deviceId: 'wp-1', metric: 'pressure', from: T0 + 120_000, to: T0 + 240_000, stepMs: 60_000 })).toEqual([]);

    expect(await store.latest()).toEqual([
      { deviceId: 'aq-1', town: 'temirtau', subsystem: 'environment', district: 'aktau', kind: 'air-station', ts: T0, metrics: { pm25: 12 } },
      { deviceId: 'wp-1', town: 'temirtau', subsystem: 'utilities', district: 'old-town', kind: 'water-pressure', ts: T0 + 200_000, metrics: { pressure: reading('wp-1', 119).metrics.pressure, flow: 999 } },
    ]);
  });

  it('rejects a write while influxd is down, and the same batch written again after its restart is stored once', async () => {
    const { influxBucket } = await influx.fresh('outage');
    const store = await open(influxBucket);
    const batch = Array.from({ length: 50 }, (_, i) => reading('wp-2', i));
    await influx.kill();
    const refused = await store.write(batch).then(() => undefined, (err: unknown) => err);
    expect(refused).toBeInstanceOf(QalaError);
    expect((refused as QalaError).code).toBe('ERR_STORE_WRITE');
    await influx.restart();
    await store.write(batch);
    await store.write(batch); // a retry of a batch InfluxDB had taken: same series and time, one point
    const points = await store.series({ deviceId: 'wp-2', metric: 'flow', from: T0, to: T0 + 60_000, stepMs: 60_000 });
    expect(points).toEqual([{ t: T0, avg: 124.5, min: 100, max: 149, count: 50 }]);
  });

  it("takes a batch whose oldest readings are past the retention policy's duration as written, and says how many InfluxDB dropped", async () => {
    const { influxBucket } = await influx.fresh('short');
    await influxQl(influx.serverUrl, `CREATE RETENTION POLICY "day" ON "${influxBucket}" DURATION 24h REPLICATION 1`);
    const drops: [number, number][] = [];
    const store = new InfluxDbStore({ url: influx.url, bucket: `${influxBucket}/day`, timeoutMs: 5_000, onRetentionDrop: (dropped, batch) => drops.push([dropped, batch]) });
    await store.start();
    hold('InfluxDB store on a one-day policy', () => store.stop());
    const now = Date.now();
    await store.write([reading('wp-3', 0, { ts: now - 3 * 86_400_000 }), reading('wp-3', 1, { ts: now - 60_000 })]);
    expect(drops).toEqual([[1, 2]]);
    expect(await store.series({ deviceId: 'wp-3', metric: 'flow', from: now - 4 * 86_400_000, to: now, stepMs: 4 * 86_400_000 })).toMatchObject([{ count: 1, min: 101 }]);
  });

  it('stops start-up naming QALA_INFLUX_URL when nothing answers there, and QALA_INFLUX_BUCKET for an unknown database', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    await expect(open('qala', nowhere)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: expect.stringContaining(`QALA_INFLUX_URL=${nowhere}`) });
    await expect(open('no-such-db/autogen')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: expect.stringContaining('QALA_INFLUX_BUCKET=no-such-db/autogen') });
  });
});
