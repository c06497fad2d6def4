// The same services against Debian's Mosquitto instead of the embedded broker:
// nothing in a service knows which broker it talks to.
import type { MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../services/platform.ts';
import { mosquittoAvailable, startMosquitto } from '../helpers/mosquitto.ts';
import { connectMqtt } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

// Mosquitto, the platform, its data dir and the clients are released by the helpers
// once the file ends (test/setup.ts).
describe.runIf(mosquittoAvailable())('platform on an external Mosquitto broker', () => {
  let platform: Platform;
  let device: MqttClient;
  const dead: { reason: string }[] = [];
  const T0 = Date.UTC(2026, 0, 15, 6);

  beforeAll(async () => {
    const { url } = await startMosquitto();
    platform = await startPlatform(testConfig(await tempDir(), { brokerUrl: url }));
    device = await connectMqtt(url);
    const watcher = await connectMqtt(url);
    watcher.on('message', (t, p) => t.endsWith('/deadletter') && dead.push(JSON.parse(p.toString())));
    await watcher.subscribeAsync('city/temirtau/#', { qos: 1 });
  });

  it('ingests, stores, raises incidents and dead-letters through Mosquitto', async () => {
    const topic = 'city/temirtau/utilities/aktau/power-feeder/pf-mq-1/telemetry';
    for (let i = 0; i < 3; i++) await device.publishAsync(topic, JSON.stringify({ ts: T0 + i * 10_000, metrics: { voltage: 0, load: 0 } }), { qos: 1 });
    await device.publishAsync(topic, 'not json', { qos: 1 });
    await waitFor(() => platform.writer.stats().written === 3, 'three readings stored');
    await waitFor(() => platform.incidents.list({ state: 'open' }).find((i) => i.ruleId === 'power-outage'), 'a power outage incident');
    await waitFor(() => dead.find((d) => d.reason === 'bad-json'), 'the dead letter on Mosquitto');
    const points = await platform.store.series({ deviceId: 'pf-mq-1', metric: 'voltage', from: T0, to: T0 + 60_000, stepMs: 60_000 });
    expect(points[0]).toMatchObject({ count: 3, max: 0 });
  });
});
