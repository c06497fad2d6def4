// The fleet: every simulated device as a real MQTT client (mqtt.js), with a retained
// birth message and a last will on its status topic, publishing readings on the
// simulated clock. One wall-clock timer drives all devices.
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { statusTopic, telemetryTopic, type DeviceAddress } from '../devices/index.ts';
import type { SimClock } from './clock.ts';
import { step, type ModelState } from './models.ts';
import { deviceRandom, type Random } from './rng.ts';
import type { Scenario, SimDevice } from './scenario.ts';

export interface FleetDeps {
  brokerUrl: string;
  town: string;
  scenario: Scenario;
  devices: SimDevice[];
  seed: number;
  clock: SimClock;
  /** wall-clock ms between two readings of one device */
  intervalMs: number;
  log: Logger;
  wallNow?: () => number;
  /** connections opened at once while starting */
  connectConcurrency?: number;
}

interface Running {
  device: SimDevice;
  address: DeviceAddress;
  topic: string;
  client: MqttClient;
  rng: Random;
  state: ModelState;
  dueAt: number;
  seq: number;
}

export interface FleetStats {
  devices: number;
  connected: number;
  published: number;
  publishErrors: number;
  /** how far behind schedule the last tick was, ms */
  lagMs: number;
}

const TICK_MS = 100;

export class Fleet {
  readonly #deps: FleetDeps;
  readonly #running: Running[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #stats = { published: 0, publishErrors: 0, lagMs: 0 };

  constructor(deps: FleetDeps) {
    this.#deps = deps;
  }

  stats(): FleetStats {
    return { devices: this.#deps.devices.length, connected: this.#running.filter((r) => r.client.connected).length, ...this.#stats };
  }

  async start(): Promise<void> {
    const { devices, town, seed, intervalMs } = this.#deps;
    const wallNow = this.#deps.wallNow ?? Date.now;
    const t0 = wallNow();
    const batch = this.#deps.connectConcurrency ?? 50;
    for (let i = 0; i < devices.length; i += batch) {
      const chunk = devices.slice(i, i + batch);
      const started = await Promise.all(
        chunk.map(async (device, j) => {
          const address: DeviceAddress = { town, subsystem: device.subsystem, district: device.district, kind: device.kind.id, deviceId: device.deviceId };
          const client = await this.#connect(address);
          const rng = deviceRandom(seed, device.deviceId);
          // spread first readings over one interval so the broker sees a steady stream
          return { device, address, topic: telemetryTopic(address), client, rng, state: {}, dueAt: t0 + ((i + j) / devices.length) * intervalMs, seq: 0 };
        }),
      );
      this.#running.push(...started);
    }
    this.#deps.log.info({ devices: devices.length, broker: this.#deps.brokerUrl }, 'simulated fleet connected');
    this.#timer = setInterval(() => this.tick(), TICK_MS);
  }

  async #connect(address: DeviceAddress): Promise<MqttClient> {
    const status = statusTopic(address);
    const client = await mqtt.connectAsync(this.#deps.brokerUrl, {
      clientId: `sim-${address.deviceId}`,
      protocolVersion: 4, // aedes speaks MQTT 3.1.1
      clean: true,
      reconnectPeriod: 2000,
      will: { topic: status, payload: Buffer.from(JSON.stringify({ state: 'offline' })), qos: 1, retain: true },
    });
    client.on('error', (err) => this.#deps.log.debug({ err: err.message, deviceId: address.deviceId }, 'device client error'));
    await client.publishAsync(status, JSON.stringify({ state: 'online', ts: this.#deps.clock.now() }), { qos: 1, retain: true });
    return client;
  }

  tick(): void {
    const now = (this.#deps.wallNow ?? Date.now)();
    const { clock, intervalMs, scenario } = this.#deps;
    const simNow = clock.now();
    let maxLag = 0;
    for (const r of this.#running) {
      if (r.dueAt > now) continue;
      maxLag = Math.max(maxLag, now - r.dueAt);
      r.dueAt += intervalMs;
      if (r.dueAt <= now) r.dueAt = now + intervalMs; // fell behind: skip, do not burst
      if (!r.client.connected) continue;
      const metrics = step(r.device, scenario, simNow, intervalMs * clock.speed, r.rng, r.state);
      const payload = JSON.stringify({ ts: simNow, metrics, seq: r.seq++ });
      r.client.publish(r.topic, payload, { qos: 1 }, (err) => {
        if (err) this.#stats.publishErrors++;
        else this.#stats.published++;
      });
    }
    this.#stats.lagMs = maxLag;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all(
      this.#running.splice(0).map(async (r) => {
        try {
          if (r.client.connected) await r.client.publishAsync(statusTopic(r.address), JSON.stringify({ state: 'offline' }), { qos: 1, retain: true });
        } catch (err) {
          this.#deps.log.debug({ err, deviceId: r.device.deviceId }, 'offline status not sent');
        }
        await r.client.endAsync();
      }),
    );
  }
}
