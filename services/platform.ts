// The composition root: builds every component from one config and returns
// { start, stop }. Nothing else wires components together.
import type { Logger } from 'pino';
import { DEVICE_KINDS, DeviceRegistry } from '../devices/index.ts';
import type { Fleet } from '../simulator/fleet.ts';
import { createSimulation } from '../simulator/simulation.ts';
import { ApiServer } from './api/server.ts';
import { Broker } from './broker/broker.ts';
import type { Config } from './config.ts';
import { DeviceDirectory } from './directory/directory.ts';
import { EventBus } from './events.ts';
import { Ingest } from './ingest/ingest.ts';
import { LiveHub } from './live/live-hub.ts';
import { DuckDbStore } from './store/duckdb-store.ts';
import { StoreWriter } from './store/writer.ts';

export interface PlatformDeps {
  config: Config;
  log: Logger;
  now?: () => number;
}

export interface Platform {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly mqttPort: number;
  readonly httpPort: number;
  readonly store: DuckDbStore;
  readonly ingest: Ingest;
  readonly writer: StoreWriter;
  readonly events: EventBus;
  health(): Record<string, unknown>;
}

interface Component {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createPlatform({ config, log, now = Date.now }: PlatformDeps): Platform {
  const events = new EventBus(log.child({ component: 'events' }));
  const registry = new DeviceRegistry(DEVICE_KINDS);
  const store = new DuckDbStore({ dataDir: config.dataDir });
  const broker = new Broker({ host: config.mqttHost, port: config.mqttPort, log: log.child({ component: 'broker' }) });
  const writer = new StoreWriter({
    store,
    events,
    log: log.child({ component: 'store-writer' }),
    flushMs: config.storeFlushMs,
    batchSize: config.storeBatchSize,
    bufferMax: config.storeBufferMax,
  });
  const directory = new DeviceDirectory({ events, store });
  const hub = new LiveHub({ directory, kinds: DEVICE_KINDS, intervalMs: config.liveIntervalMs, now, log: log.child({ component: 'live' }) });
  // The bus exists once the broker has started; ingest takes it through a getter-backed proxy.
  const ingest = new Ingest({
    town: config.town,
    bus: { subscribe: (f, h) => broker.bus.subscribe(f, h), publish: (t, p, o) => broker.bus.publish(t, p, o) },
    events,
    registry,
    maxPayloadBytes: config.maxPayloadBytes,
    now,
    log: log.child({ component: 'ingest' }),
  });
  let fleet: Fleet | undefined;

  const health = () => ({
    uptimeS: Math.round(process.uptime()),
    broker: { clients: broker.connectedClients, mqttPort: broker.port },
    ingest: ingest.stats(),
    store: writer.stats(),
    live: hub.stats(),
    devices: directory.size,
    simulator: fleet?.stats() ?? null,
  });

  const api = new ApiServer({
    host: config.httpHost,
    port: config.httpPort,
    town: config.town,
    log,
    store,
    directory,
    hub,
    now,
    handleMqttStream: (stream, req) => broker.handleStream(stream, req),
    health,
  });

  const started: Component[] = [];
  const order: Component[] = [store, broker, writer, directory, ingest, hub, api];

  return {
    get mqttPort() {
      return broker.port;
    },
    get httpPort() {
      return api.port;
    },
    store,
    ingest,
    writer,
    events,
    health,
    async start() {
      try {
        for (const c of order) {
          await c.start();
          started.push(c);
        }
        if (config.simulate) {
          fleet = createSimulation({
            brokerUrl: `mqtt://127.0.0.1:${broker.port}`,
            scenario: config.scenario,
            town: config.town,
            seed: config.simSeed,
            speed: config.simSpeed,
            scale: config.simScale,
            intervalMs: config.simIntervalMs,
            faultRate: config.simFaultRate,
            connections: config.simConnections,
            start: config.simStart ? Date.parse(config.simStart) : now(),
            log: log.child({ component: 'simulator' }),
          }).fleet;
          await fleet.start();
          started.push(fleet);
        }
      } catch (err) {
        await this.stop();
        throw err;
      }
    },
    async stop() {
      // Reverse order: producers first, so the writer's last flush sees everything.
      for (const c of started.splice(0).reverse()) {
        try {
          await c.stop();
        } catch (err) {
          log.error({ err }, 'component failed to stop');
        }
      }
    },
  };
}
