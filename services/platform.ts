// The composition root: builds every component from one config and returns
// { start, stop }. Nothing else wires components together.
import type { Logger } from 'pino';
import { DEVICE_KINDS, DeviceRegistry, deadLetterTopic } from '../devices/index.ts';
import type { Fleet } from '../simulator/fleet.ts';
import { simulationFromConfig } from '../simulator/simulation.ts';
import { ApiServer } from './api/server.ts';
import { Broker } from './broker/broker.ts';
import type { Bus } from './bus/bus.ts';
import { MqttBus } from './bus/mqtt-bus.ts';
import type { Config } from './config.ts';
import { DeviceDirectory } from './directory/directory.ts';
import { EventBus } from './events.ts';
import { Ingest } from './ingest/ingest.ts';
import { IncidentManager } from './incidents/incidents.ts';
import { Notifier } from './incidents/notifier.ts';
import { Outbox } from './incidents/outbox.ts';
import { loadRoutes, webhookSecret } from './incidents/routing.ts';
import { LiveHub } from './live/live-hub.ts';
import { BUILTIN_RULES } from './rules/loader.ts';
import { RulesService } from './rules/rules-service.ts';
import { DuckDbStore } from './store/duckdb-store.ts';
import { Spool } from './store/spool.ts';
import { StoreWriter } from './store/writer.ts';
import { join } from 'node:path';

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
  readonly incidents: IncidentManager;
  readonly rules: RulesService;
  readonly outbox: Outbox;
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
  const spool = new Spool({ dir: join(config.dataDir, 'spool'), commitMs: config.spoolCommitMs, now });
  // A device's telemetry is acknowledged only once it is on disk (the spool) and the
  // writer has room; QoS 0 is spooled too, but nothing waits for it.
  let writerRef: StoreWriter | undefined;
  const broker = new Broker({
    host: config.mqttHost,
    port: config.mqttPort,
    log: log.child({ component: 'broker' }),
    reserved: (topic) => topic === deadLetterTopic(config.town) || topic.startsWith(`city/${config.town}/incidents/`),
    beforeAck: (topic, payload, qos) => {
      // only what ingest will take: this town's telemetry within the size limit
      if (!topic.startsWith(`city/${config.town}/`) || !topic.endsWith('/telemetry') || payload.length > config.maxPayloadBytes) return undefined;
      const seq = spool.append(topic, payload, now());
      if (qos === 0) return undefined;
      const room = writerRef?.hasRoom();
      return room ? Promise.all([spool.durable(seq), room]).then(() => undefined) : spool.durable(seq);
    },
  });
  // The embedded broker is the bus, or an MQTT client is, against an external broker.
  // Services hold this forwarding view, since either exists only once started.
  const external = config.brokerUrl ? new MqttBus({ url: config.brokerUrl, clientId: `qala-${config.town}-platform`, log: log.child({ component: 'bus' }) }) : undefined;
  const realBus = (): Bus => external ?? broker.bus;
  const bus: Bus = { subscribe: (f, h) => realBus().subscribe(f, h), publish: (t, p, o) => realBus().publish(t, p, o) };
  const writer = new StoreWriter({
    store,
    events,
    log: log.child({ component: 'store-writer' }),
    flushMs: config.storeFlushMs,
    batchSize: config.storeBatchSize,
    bufferMax: config.storeBufferMax,
    spool,
  });
  writerRef = writer;
  const directory = new DeviceDirectory({ events, store });
  const routes = loadRoutes(config.routesFile);
  const outbox = new Outbox({
    dataDir: config.dataDir,
    log: log.child({ component: 'outbox' }),
    now,
    secretFor: (utility) => {
      const route = routes.find((r) => r.webhook && r.utility === utility);
      return route ? webhookSecret(route) : undefined;
    },
  });
  const incidents: IncidentManager = new IncidentManager({
    dataDir: config.dataDir,
    now,
    autoResolves: (ruleId) => rules.autoResolves(ruleId),
    onChange: (incident, change) => events.emit('incidentChanged', { incident, change }),
  });
  const rules: RulesService = new RulesService({
    events,
    incidents,
    rulesFile: config.rulesFile ?? BUILTIN_RULES,
    sweepMs: config.rulesSweepMs,
    now,
    log: log.child({ component: 'rules' }),
  });
  const hub = new LiveHub({
    directory,
    events,
    incidents: () => incidents.list({ state: 'unresolved', limit: 200 }),
    kinds: DEVICE_KINDS,
    intervalMs: config.liveIntervalMs,
    now,
    log: log.child({ component: 'live' }),
  });
  const ingest = new Ingest({
    town: config.town,
    bus,
    events,
    registry,
    maxPayloadBytes: config.maxPayloadBytes,
    now,
    log: log.child({ component: 'ingest' }),
    spoolSeqOf: (payload) => spool.take(payload),
  });
  let fleet: Fleet | undefined;
  const notifier = new Notifier({ town: config.town, bus, routes, outbox, log: log.child({ component: 'notifier' }) });
  events.on('incidentChanged', 'notifier', ({ incident, change }) => notifier.notify(incident, change));

  const health = () => ({
    uptimeS: Math.round(process.uptime()),
    broker: config.brokerUrl ? { external: config.brokerUrl } : { clients: broker.connectedClients, mqttPort: broker.port, refusedReserved: broker.refusedReserved },
    spool: spool.stats(),
    ingest: ingest.stats(),
    store: writer.stats(),
    live: hub.stats(),
    devices: directory.size,
    rules: { ...rules.engine.stats(), file: rules.watcher.status() },
    incidents: incidents.counts(),
    outbox: outbox.stats(),
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
    incidents,
    rules,
    now,
    handleMqttStream: (stream, req) => broker.handleStream(stream, req),
    health,
  });

  const started: Component[] = [];
  // What an earlier run acknowledged but did not store: read (and spooled anew) before
  // the broker takes connections, replayed through ingest once ingest is up.
  let recovered: { topic: string; payload: Buffer; receivedAt: number }[] = [];
  const spoolRecovery: Component = {
    async start() {
      recovered = spool.recover().map((m) => ({ topic: m.topic, payload: Buffer.from(m.payload, 'base64'), receivedAt: m.receivedAt }));
      for (const m of recovered) spool.append(m.topic, m.payload, m.receivedAt);
    },
    async stop() {
      spool.close();
    },
  };
  const spoolReplay: Component = {
    async start() {
      for (const m of recovered.splice(0)) ingest.handle({ topic: m.topic, payload: m.payload, retain: false }, m.receivedAt);
      if (spool.stats().appended > 0) await writer.flush();
    },
    async stop() {},
  };
  const retainedIncidents: Component = {
    async start() {
      notifier.restoreRetained(incidents.list({ state: 'unresolved', limit: Number.MAX_SAFE_INTEGER }));
    },
    async stop() {},
  };
  const brokerListener: Component = { start: () => broker.listen(), stop: async () => undefined };
  const order: Component[] = [
    store, writer, spoolRecovery, external ?? broker, directory, outbox, incidents, retainedIncidents, rules, ingest, spoolReplay,
    ...(external ? [] : [brokerListener]),
    hub, api,
  ];

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
    incidents,
    rules,
    outbox,
    health,
    async start() {
      try {
        for (const c of order) {
          await c.start();
          started.push(c);
        }
        if (config.simulate) {
          fleet = simulationFromConfig(config, {
            brokerUrl: config.brokerUrl ?? `mqtt://127.0.0.1:${broker.port}`,
            town: config.town,
            now,
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
