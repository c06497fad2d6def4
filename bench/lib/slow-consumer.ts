// Slow consumer isolation (issue 10): with one subscriber to "#" that never reads its
// socket, devices' publishes must keep being acknowledged at ≥ 90 % of the rate without
// it. Measured, not asserted: N publishers send a fixed number of QoS 1 readings over
// real sockets (each keeping a small window in flight) and the time from the first
// publish to the last PUBACK gives acknowledged publishes per second, with the latency
// of every PUBACK; once with no stuck client, then with one.
//
// The stuck client is made stuck for real before the count starts: it subscribes to
// "#" at QoS 1 and pauses its socket, and 16 KiB fillers are published until the
// kernel's buffers for that connection stop growing (read from /proc/net/tcp: the
// subscriber's unread receive queue plus the broker's unsent send queue), so every
// delivery in the measured span lands in the broker's own buffer, the state in which
// aedes used to wait for a 'drain' that never came. The count is sized so that those
// deliveries stay below QALA_MAX_OUTBOUND_BYTES (4 MiB by default): the stuck client
// is held, not cut, while the others are timed; the result says whether it still was.
// (infra/tcp-queue.ts reads and fills the kernel's buffers.)
//
// Each count starts once the platform has caught up with what came before (`settle`):
// it ingests after the broker acknowledges (always so with Mosquitto), and a count
// begun while it still digests the previous one's backlog shares the two cores with
// that work, which made the first count the slower whatever it measured (with
// Mosquitto the stuck count came out 1.2-1.4 times the free one, run after run).
import type { MqttClient } from 'mqtt';
import { fillKernelBuffers, kernelQueue, localPort } from '../../infra/tcp-queue.ts';
import { connect, percentiles } from './workloads.ts';
import type { PlatformProc } from './processes.ts';

const TS = Date.now() - 86_400_000; // a day ago: taken as live, not dead-lettered as future

/**
 * Waits until the platform has handled everything sent so far: the messages its ingest
 * handled and the readings it stored stay the same over three /health polls 200 ms
 * apart. Gives up after `maxMs` (the count then runs on a busy platform; said in the result).
 */
export async function settle(p: PlatformProc, maxMs = 60_000): Promise<boolean> {
  const deadline = performance.now() + maxMs;
  let last = '';
  let same = 0;
  while (performance.now() < deadline) {
    const h = await p.health();
    const m = h.ingest.messages as Record<string, number>;
    const now = `${Object.values(m).reduce((a, b) => a + b, 0)}/${h.store.written}`;
    same = now === last ? same + 1 : 0;
    if (same >= 2) return true;
    last = now;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

export interface SlowConsumerResult {
  ackedPerS: number;
  p50: number;
  p99: number;
  /** with a stuck client: the kernel's buffers for it were full when the count began */
  kernelFullBytes?: number;
  /** with a stuck client: it was still connected when the last PUBACK came */
  stuckHeld?: boolean;
  /** the platform had caught up with what came before when the count began */
  settled: boolean;
}

/**
 * `readings` QoS 1 publishes from `publishers` connections, each keeping `window` in
 * flight: acknowledged publishes per second and PUBACK latency; with `stuck`, while a
 * "#" subscriber that never reads holds unsent deliveries in the broker.
 */
export async function slowConsumer(p: PlatformProc, brokerUrl: string, o: { stuck: boolean; reading?: boolean; readings: number; publishers?: number; window?: number; tag: string }): Promise<SlowConsumerResult> {
  const n = o.publishers ?? 8;
  const window = o.window ?? 32;
  const clients: MqttClient[] = [];
  let stuck: MqttClient | undefined;
  try {
    clients.push(...(await Promise.all(Array.from({ length: n }, (_, i) => connect(p.mqttUrl, p.simulator?.gateway(`bench-sc-${o.tag}-${i}`))))));
    let kernelFullBytes: number | undefined;
    if (o.reading && !o.stuck) {
      // the same "#" subscriber, reading: what one more subscriber of everything costs
      // the broker, so that the stuck count can be told apart from the price of a
      // subscriber as such (an embedded broker pays it on the platform's own thread)
      stuck = await connect(brokerUrl, { ...p.admin, clientId: `bench-reader-${o.tag}` });
      await stuck.subscribeAsync('#', { qos: 1 });
    }
    if (o.stuck) {
      stuck = await connect(brokerUrl, { ...p.admin, clientId: `bench-stuck-${o.tag}` });
      await stuck.subscribeAsync('#', { qos: 1 });
      stuck.stream.pause(); // reads nothing from now on
      // 16 KiB fillers, dead-lettered (an unknown field) but delivered to "#"
      const filler = JSON.stringify({ ts: TS, metrics: { pressure: 4 }, note: 'x'.repeat(16 * 1024) });
      kernelFullBytes = await fillKernelBuffers(clients[0]!, 'city/temirtau/utilities/bench/water-pressure/wp-filler/telemetry', filler, stuck);
    }
    const settled = await settle(p);
    const latencies: number[] = [];
    const per = Math.floor(o.readings / n);
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c, ci) => {
        let inflight = 0;
        let wake: (() => void) | undefined;
        let closed = false;
        // a publisher cut mid-count would wait for its PUBACKs for ever (mqtt.js keeps
        // them for a reconnection that a client without reconnectPeriod never makes)
        c.once('close', () => {
          closed = true;
          wake?.();
        });
        const check = () => {
          if (closed) throw new Error(`slow consumer (${o.tag}): publisher ${ci}'s connection closed during the count`);
        };
        for (let i = 0; i < per; i++) {
          while (inflight >= window) {
            check();
            await new Promise<void>((r) => (wake = r));
          }
          check();
          inflight++;
          const sentAt = performance.now();
          const payload = JSON.stringify({ ts: TS + i, metrics: { pressure: 3 + (i % 10) / 10, flow: 100 + (i % 7) } });
          c.publish(`city/temirtau/utilities/bench/water-pressure/wp-sc-${ci}-${i % 50}/telemetry`, payload, { qos: 1 }, () => {
            latencies.push(performance.now() - sentAt);
            inflight--;
            wake?.();
          });
        }
        while (inflight > 0) {
          check();
          await new Promise<void>((r) => (wake = r));
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const stuckHeld = stuck && o.stuck ? kernelQueue(localPort(stuck)).open : undefined;
    const l = percentiles(latencies);
    return { ackedPerS: Math.round((per * n) / seconds), p50: l.p50, p99: l.p99, settled, ...(o.stuck ? { kernelFullBytes, stuckHeld } : {}) };
  } finally {
    stuck?.stream.destroy();
    stuck?.end(true);
    await Promise.all(clients.map((c) => c.endAsync(true))); // forced: a bench need not wait for a graceful end
  }
}
