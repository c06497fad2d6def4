// One subscriber that never reads its socket must not hold up the others: the
// devices' acknowledgements and the other subscribers keep flowing, and the stuck
// client is cut once its unsent bytes pass QALA_MAX_OUTBOUND_BYTES.
import { describe, expect, it } from 'vitest';
import { fillKernelBuffers, kernelQueue, localPort } from '../../infra/tcp-queue.ts';
import { connectDevice, connectWatcher } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

describe('slow consumers', () => {
  it('cuts a "#" subscriber that never reads, while every publish is acknowledged and another subscriber gets everything', async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { maxOutboundBytes: 256 * 1024 }));
    const stuck = await connectWatcher(platform, { clientId: 'stuck', reconnectPeriod: 0 });
    await stuck.subscribeAsync('#', { qos: 1 });
    stuck.stream.pause(); // reads nothing from now on: the kernel's buffers fill, then the broker's
    const healthy = await connectWatcher(platform, { clientId: 'healthy' });
    let received = 0;
    healthy.on('message', (t) => t.startsWith('city/temirtau/utilities/') && received++);
    await healthy.subscribeAsync('city/temirtau/utilities/#', { qos: 1 });
    const device = await connectDevice(platform, { clientId: 'busy-gateway' });
    const body = JSON.stringify({ ts: Date.now(), metrics: { pressure: 4 }, note: 'x'.repeat(16 * 1024) }); // 16 KiB, dead-lettered (unknown field) but delivered to "#"
    const n = 2000; // 32 MiB towards the stuck client: more than the kernel buffers hold
    for (let i = 0; i < n; i++) await device.publishAsync(`city/temirtau/utilities/old-town/water-pressure/wp-${i % 20}/telemetry`, body, { qos: 1 });
    // every publish was acknowledged (the loop above ends), the stuck client was cut, the healthy one got all
    await waitFor(() => (platform.health().broker as { slowConsumersCut: number }).slowConsumersCut >= 1, 'the stuck client to be cut');
    await waitFor(() => received === n, `all ${n} messages at the healthy subscriber`);
    expect(received).toBe(n);
    expect(platform.ingest.stats().rejected['schema-mismatch']).toBe(n);
  }, 120_000);

  it('acknowledges and delivers every publish of another client while a stuck "#" subscriber holds unsent messages, before it is cut', async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { maxOutboundBytes: 4 * 1024 * 1024 }));
    const stuck = await connectWatcher(platform, { clientId: 'stuck', reconnectPeriod: 0 });
    await stuck.subscribeAsync('#', { qos: 1 });
    stuck.stream.pause();
    const healthy = await connectWatcher(platform, { clientId: 'healthy' });
    const received = new Set<number>();
    healthy.on('message', (t, payload) => t.includes('/wp-count-') && received.add((JSON.parse(payload.toString()) as { seq: number }).seq));
    await healthy.subscribeAsync('city/temirtau/utilities/#', { qos: 1 });
    const filler = await connectDevice(platform, { clientId: 'filler-gateway' });
    // the stuck client's kernel buffers fill (its receive queue and the broker's send queue)...
    const body = JSON.stringify({ ts: Date.now(), metrics: { pressure: 4 }, note: 'x'.repeat(16 * 1024) });
    const topic = 'city/temirtau/utilities/old-town/water-pressure/wp-filler/telemetry';
    const kernelBytes = await fillKernelBuffers(filler, topic, body, stuck);
    expect(kernelBytes).toBeGreaterThan(0);
    // ...and 256 KiB more wait in the broker's own buffer for it: aedes used to wait for a 'drain' here
    await Promise.all(Array.from({ length: 16 }, () => filler.publishAsync(topic, body, { qos: 1 })));
    const device = await connectDevice(platform, { clientId: 'busy-gateway' });
    const k = 500;
    const acked = await Promise.all(
      Array.from({ length: k }, (_, seq) =>
        device.publishAsync(`city/temirtau/utilities/old-town/water-pressure/wp-count-${seq % 10}/telemetry`, JSON.stringify({ ts: Date.now(), metrics: { pressure: 3 }, seq }), { qos: 1 }),
      ),
    );
    expect(acked).toHaveLength(k);
    await waitFor(() => received.size === k, `all ${k} publishes at the healthy subscriber`);
    // all of it while the stuck client was still connected and holding its messages: it was not cut to let them through
    const cut = () => (platform.health().broker as { slowConsumersCut: number }).slowConsumersCut;
    expect(cut()).toBe(0);
    expect(kernelQueue(localPort(stuck)).open).toBe(true);
    // past its bound it is cut, and only then
    for (let i = 0; i < 2000 && cut() === 0; i++) await filler.publishAsync(topic, body, { qos: 1 });
    await waitFor(() => cut() === 1, 'the stuck client to be cut past QALA_MAX_OUTBOUND_BYTES');
    expect(kernelQueue(localPort(stuck)).open).toBe(false);
  }, 180_000);

  it('drops QoS 0 deliveries to a lagging subscriber instead of cutting it, and still cuts it on QoS 1', async () => {
    const platform = await startPlatform(testConfig(await tempDir(), { maxOutboundBytes: 256 * 1024 }));
    const lagging = await connectWatcher(platform, { clientId: 'lagging', reconnectPeriod: 0 });
    await lagging.subscribeAsync('#', { qos: 0 });
    lagging.stream.pause();
    const device = await connectDevice(platform, { clientId: 'qos0-gateway' });
    const body = JSON.stringify({ ts: Date.now(), metrics: { pressure: 4 }, note: 'x'.repeat(16 * 1024) });
    const broker = () => platform.health().broker as { slowConsumersCut: number; qos0DroppedSlow: number };
    // 32 MiB at QoS 0 (the subscription's maximum): dropped past half the bound, the client stays
    for (let i = 0; i < 2000; i++) await device.publishAsync(`city/temirtau/utilities/old-town/water-pressure/wp-${i % 20}/telemetry`, body, { qos: 1 });
    await waitFor(() => broker().qos0DroppedSlow > 1000, 'QoS 0 deliveries to be dropped');
    expect(broker().slowConsumersCut).toBe(0);
    expect(lagging.connected).toBe(true);
    // the same client subscribed at QoS 1: past the bound it is cut
    lagging.subscribe('#', { qos: 1 }); // its SUBACK is never read (paused), but the broker takes the subscription
    for (let i = 0; i < 2000 && broker().slowConsumersCut === 0; i++) await device.publishAsync(`city/temirtau/utilities/old-town/water-pressure/wp-${i % 20}/telemetry`, body, { qos: 1 });
    await waitFor(() => broker().slowConsumersCut === 1, 'the lagging client to be cut once it holds QoS 1 messages');
  }, 180_000);
});
