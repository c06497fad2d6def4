// A store outage with real parts: influxd is killed (kill -9) while a device
// publishes, and started again on the same files. Devices are acknowledged all
// along (the intake spools), the store writer keeps the refused batches and retries
// them, and once InfluxDB is back every acknowledged reading is in it exactly once.
// DuckDB is embedded (it cannot go down on its own), so this runs on InfluxDB.
import { describe, expect, it } from 'vitest';
import { influxdbAvailable } from '../helpers/influxdb.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { sharedInfluxDb } from '../helpers/stores.ts';
import { waitFor } from '../helpers/wait.ts';

const TOPIC = 'city/temirtau/utilities/old-town/water-pressure/wp-out-1/telemetry';
const T0 = Date.UTC(2026, 10, 22, 6, 0);

describe.runIf(influxdbAvailable())('store outage on InfluxDB', () => {
  it('loses no acknowledged reading when influxd is killed mid-stream and started again', async () => {
    const influx = await sharedInfluxDb();
    const platform = await startPlatform(testConfig(await tempDir(), await influx.fresh('outage')));
    const device = await connectDevice(platform, { clientId: 'outage-device' });
    let acknowledged = 0;
    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        // flow = i: every reading has its own value and its own timestamp
        await device.publishAsync(TOPIC, JSON.stringify({ ts: T0 + i * 1000, metrics: { pressure: 3.5, flow: i } }), { qos: 1 });
        acknowledged++;
      }
    };

    await publish(0, 100);
    await waitFor(() => platform.writer.stats().written > 0 || undefined, 'a first batch in InfluxDB');
    await influx.kill();
    await publish(100, 200); // acknowledged while the store is down
    const down = await waitFor(() => (platform.writer.stats().failures > 0 ? platform.writer.stats() : undefined), 'a write refused while influxd is down');
    expect(down.pending).toBeGreaterThan(0);
    expect(platform.intake.stats().unstored).toBeGreaterThan(0); // the spool still holds what is not stored
    await influx.restart();
    await publish(200, 300);

    await waitFor(() => (platform.writer.stats().pending === 0 && platform.intake.stats().unstored === 0) || undefined, 'every reading stored and released', 60_000);
    expect(acknowledged).toBe(300);
    // InfluxDB keeps one point per series and timestamp, so the count is of distinct readings
    const points = await platform.store.series({ deviceId: 'wp-out-1', metric: 'flow', from: T0, to: T0 + 300_000, stepMs: 300_000 });
    expect(points).toEqual([{ t: T0, count: 300, min: 0, max: 299, avg: 149.5 }]);
  });
});
