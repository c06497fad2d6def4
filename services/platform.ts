// The composition root: builds every component from one config and returns
// { start, stop }. Nothing else wires components together. Components start in the
// order listed, then the transport opens (the broker listens, or the bus connects)
// once every subscriber is in place; they stop in reverse.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { DEVICE_KINDS, DeviceRegistry } from '../devices/index.ts';
import { loadScenario } from '../simulator/scenario.ts';
import { Access } from './access/access.ts';
import { SessionStore } from './access/sessions.ts';
import type { ScryptCost } from './access/credentials.ts';
import { HashGate } from './access/hash-gate.ts';
import { UserStore } from './access/users.ts';
import { parseOrigins } from './api/auth.ts';
import { ApiServer } from './api/server.ts';
import { AuditLog } from './audit/audit-log.ts';
import { Broker } from './broker/broker.ts';
import { Guard } from './broker/guard.ts';
import type { Bus } from './bus/bus.ts';
import { MqttBus } from './bus/mqtt-bus.ts';
import { systemClock } from './clock.ts';
import { connectionBudget } from './fd-budget.ts';
import { proxyList, type Config } from './config.ts';
import type { Clock } from './contracts/index.ts';
import { DeviceDirectory } from './directory/directory.ts';
import { EventBus } from './events.ts';
import { IncidentManager } from './incidents/incidents.ts';
import { Notifier } from './incidents/notifier.ts';
import { Outbox } from './incidents/outbox.ts';
import { loadRoutes, webhookSecret } from './incidents/routing.ts';
import { EscalationPlan, Escalator, loadEscalation, withBuiltinPolicies } from './incidents/escalation.ts';
import { SilenceStore } from './incidents/silences.ts';
import { Ingest } from './ingest/ingest.ts';
import { FreezeWatch, type FreezeTarget } from './kpis/freeze-watch.ts';
import { KpiService } from './kpis/kpis.ts';
import { profileFromScenario } from './kpis/profile.ts';
import { Intake } from './intake/intake.ts';
import { LiveHub } from './live/live-hub.ts';
import { townGeoJson } from './geo/geojson.ts';
import { describeTown } from './geo/town.ts';
import { BUILTIN_RULES } from './rules/loader.ts';
import { townContext } from './rules/town.ts';
import { RulesService } from './rules/rules-service.ts';
import { DuckDbStore } from './store/duckdb-store.ts';
import { InfluxDbStore } from './store/influxdb-store.ts';
import type { TimeSeriesStore } from './store/port.ts';
import { StoreWriter } from './store/writer.ts';

export interface PlatformDeps {
  config: Config;
  log: Logger;
  clock?: Clock;
  /** prints a line meant for whoever started the platform (the first admin's one-time password); the CLI writes it to the terminal */
  announce?: (line: string) => void;
  /** tests only, never from configuration: a cheaper scrypt cost for people's passwords (services/access/users.ts) */
  passwordCost?: ScryptCost;
}

export interface Platform {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly mqttPort: number;
  readonly httpPort: number;
  readonly store: TimeSeriesStore;
  readonly ingest: Ingest;
  readonly intake: Intake;
  readonly writer: StoreWriter;
  readonly events: EventBus;
  readonly incidents: IncidentManager;
  readonly silences: SilenceStore;
  readonly escalator: Escalator;
  readonly rules: RulesService;
  readonly outbox: Outbox;
  readonly access: Access;
  readonly audit: AuditLog;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly api: ApiServer;
  health(): Record<string, unknown>;
  /** adds a section to /health and /metrics (the CLI's simulator reports this way) */
  reportHealth(name: string, figures: () => unknown): void;
}

interface Component {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** accept traffic: called once every component has started */
  open?(): Promise<void>;
}

/** The adapter QALA_STORE names (the config check made sure InfluxDB has its URL). */
function createStore(config: Config, clock: Clock, log: Logger): TimeSeriesStore {
  if (config.store === 'influxdb') {
    return new InfluxDbStore({
      url: config.influxUrl!,
      bucket: config.influxBucket,
      timeoutMs: config.influxTimeoutMs,
      ...(config.influxToken ? { token: config.influxToken } : {}),
      ...(config.influxOrg ? { org: config.influxOrg } : {}),
      onRetentionDrop: (dropped, batch) => log.warn({ dropped, batch }, "InfluxDB dropped readings older than its retention policy's duration; the batch counts as stored"),
    });
  }
  return new DuckDbStore({
    dataDir: config.dataDir,
    clock,
    retention: { rawMs: config.retentionRawMs, minuteMs: config.retentionMinuteMs, hourMs: config.retentionHourMs },
    maintenanceMs: config.storeMaintenanceMs,
    onMaintenanceError: (err) => log.warn({ err }, 'store maintenance failed; retried at the next pass'),
  });
}

export function createPlatform({ config, log, clock = systemClock, announce = () => {}, passwordCost }: PlatformDeps): Platform {
  const child = (component: string) => log.child({ component });
  const events = new EventBus(child('events'));
  const { town } = config;

  const audit = new AuditLog({ dir: join(config.dataDir, 'audit'), clock, log: child('audit'), maxBytes: config.auditMaxBytes, files: config.auditFiles });
  // one bound on password checks, which the device registry's checks of unknown ids share
  const hashGate = new HashGate(config.passwordHashConcurrency, config.passwordHashQueue);
  const users = new UserStore({
    dataDir: config.dataDir, clock, log: child('users'), audit, announce, ...(config.adminPassword ? { adminPassword: config.adminPassword } : {}),
    hashGate, ...(passwordCost ? { passwordCost } : {}),
    tokenDays: { default: config.tokenDefaultDays, max: config.tokenMaxDays },
  });
  const sessions = new SessionStore({ dataDir: config.dataDir, clock, log: child('sessions'), ttlMs: config.sessionTtlMs });
  const access = new Access({ town, dataDir: config.dataDir, clock, log: child('access'), audit, maxRegisteredDevices: config.maxRegisteredDevices, users, hashGate });
  const tls = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : undefined;
  const store = createStore(config, clock, child('store'));
  const writer = new StoreWriter({
    store, events, clock, log: child('store-writer'), flushMs: config.storeFlushMs, batchSize: config.storeBatchSize, bufferMax: config.storeBufferMax,
  });
  // With an external broker an MQTT client is the bus, and the intake subscribes
  // through it; otherwise the embedded broker hands every publish to the intake.
  const external = config.brokerUrl ? new MqttBus({ url: config.brokerUrl, clientId: `qala-${town}-platform`, log: child('bus') }) : undefined;
  const intake = new Intake({
    town,
    maxPayloadBytes: config.maxPayloadBytes,
    dir: join(config.dataDir, 'spool'),
    commitMs: config.spoolCommitMs,
    clock,
    events,
    log: child('intake'),
    room: () => writer.hasRoom(),
    flush: () => writer.flush(),
    ...(external ? { external } : {}),
  });
  const budget = connectionBudget(config);
  if (budget.lowered) log.warn({ component: 'broker' }, budget.lowered);
  const broker = new Broker({
    host: config.mqttHost,
    port: config.mqttPort,
    log: child('broker'),
    guard: new Guard({ access, audit, log: child('guard'), clock, acl: { town, isRegistered: (id) => access.devices.has(id) }, maxSubscriptions: config.maxSubscriptionsPerClient, newDevices: { max: config.maxDevices, perMinute: config.maxNewDevicesPerMinute, now: () => clock.now() } }),
    ...(tls ? { tls: { port: config.mqttTlsPort, ...tls } } : {}),
    plain: config.plainListeners,
    beforeAck: (msg) => intake.receive(msg),
    audit,
    clock,
    limits: {
      maxPacketBytes: config.maxPacketBytes, maxConnections: budget.maxConnections, maxConnectionsPerAddress: config.maxConnectionsPerAddress,
      maxRetainedBytes: config.maxRetainedBytes, maxRetainedMessages: config.maxRetainedMessages, maxQueuedMessages: config.maxQueuedMessages, sessionExpiryMs: config.sessionExpiryMs,
      maxOutboundBytes: config.maxOutboundBytes,
    },
  });
  access.onRevoked((deviceId) => broker.disconnectDevice(deviceId));
  users.onChange((change) => broker.endLogins(change));
  const bus: Bus = external ?? broker.bus;
  const ingest = new Ingest({
    town, bus, events, registry: new DeviceRegistry(DEVICE_KINDS), maxPayloadBytes: config.maxPayloadBytes,
    maxPastMs: config.maxClockSkewPastMs, maxFutureMs: config.maxClockSkewFutureMs, now: () => clock.now(), log: child('ingest'),
  });
  const directory = new DeviceDirectory({ events, store });
  const routes = loadRoutes(config.routesFile);
  const outbox = new Outbox({
    dataDir: config.dataDir,
    log: child('outbox'),
    clock,
    secretFor: (utility) => {
      const route = routes.find((r) => r.webhook && r.utility === utility);
      return route ? webhookSecret(route) : undefined;
    },
  });
  // the file's policies, after the built-in one that holds pressed care alarms to their response deadline
  const routeNames = routes.map((r) => r.utility);
  const policies = withBuiltinPolicies(loadEscalation(config.escalationFile, routeNames), config.careAlarmResponseMin, routeNames);
  // the town's scenario: its climate, local time and profile for the rules and KPIs
  const scenario = loadScenario(config.scenario);
  const townProfile = profileFromScenario(scenario);
  // heating outages carry their time to freeze: estimated as they open, then as the outdoor air moves
  const freezeWatch = new FreezeWatch({ clock, checkMs: config.freezeCheckMs, tauH: townProfile.buildingTauH, directory, log: child('time-to-freeze') }, (): FreezeTarget => incidents);
  const silences = new SilenceStore({ dataDir: config.dataDir, clock, maxSilences: config.maxSilences, log: child('silences') });
  const incidents = new IncidentManager({
    dataDir: config.dataDir, clock, events, log: child('incidents'), silences,
    escalation: new EscalationPlan(policies),
    freeze: freezeWatch,
    maxComments: config.incidentMaxComments, maxCommentChars: config.incidentCommentMaxChars, retentionMs: config.incidentRetentionDays * 86_400_000,
  });
  const escalator = new Escalator({ policies, clock, checkMs: config.escalationCheckMs, silences, audit, log: child('escalation') }, incidents);
  const notifier = new Notifier({
    town, bus, routes, outbox, events, log: child('notifier'), silences, now: () => clock.now(),
    unresolved: () => incidents.list({ state: 'unresolved', limit: Number.MAX_SAFE_INTEGER }),
  });
  const rules = new RulesService({ events, clock, audit, rulesFile: config.rulesFile ?? BUILTIN_RULES, sweepMs: config.rulesSweepMs, log: child('rules'), town: townContext(scenario, { designOutdoorC: config.designOutdoorC, simulated: config.simulate }), seasonHistory: { devices: () => directory.list(), store } });
  const hub = new LiveHub({
    directory, events, clock, kinds: DEVICE_KINDS, intervalMs: config.liveIntervalMs, log: child('live'),
    incidents: (scope) => incidents.list({ state: 'unresolved', limit: 200, ...(scope ? { utility: scope.utility } : {}) }),
  });

  // the town's districts, households and area, for the city indicators: the scenario's data (QALA_SCENARIO)
  const kpis = new KpiService({ town: townProfile, incidents, directory, store, clock });

  const reports = new Map<string, () => unknown>();
  /**
   * What keeps the platform from acknowledging or storing now, as codes (the public
   * /health says `degraded` and lists them; the reasons, which name files, are in the log):
   * spool-write-failing (a full disk or no file descriptors: acknowledgements held),
   * store-write-failing (store down: readings buffered, retried).
   */
  const problems = (): string[] => [
    ...(intake.failing ? ['spool-write-failing'] : []),
    ...(writer.stats().lastError ? ['store-write-failing'] : []),
  ];
  const health = () => ({
    problems: problems(),
    uptimeS: Math.round(process.uptime()),
    broker: external ? { external: config.brokerUrl, ...external.stats() } : broker.stats(),
    access: { registeredDevices: access.devices.size, ...users.stats() },
    audit: audit.stats(),
    intake: intake.stats(),
    ingest: ingest.stats(),
    store: writer.stats(),
    live: hub.stats(),
    devices: directory.size,
    rules: { ...rules.engine.stats(), file: rules.watcher.status() },
    incidents: incidents.counts(),
    notifier: notifier.stats(),
    silences: silences.stats(),
    escalation: escalator.stats(),
    timeToFreeze: freezeWatch.stats(),
    outbox: outbox.stats(),
    ...Object.fromEntries([...reports].map(([name, figures]) => [name, figures()])),
  });

  const townInfo = describeTown(town, config.scenario);
  const api = new ApiServer({
    host: config.httpHost,
    port: config.httpPort,
    maxConnections: config.maxHttpConnections,
    town,
    townInfo,
    townMap: townGeoJson(townInfo),
    ...(config.mapTileUrl ? { mapTiles: { url: config.mapTileUrl, attribution: config.mapTileAttribution } } : {}),
    log,
    store,
    directory,
    hub,
    incidents,
    silences,
    escalation: { file: config.escalationFile, policies },
    rules,
    kpis,
    kpiMaxRangeDays: config.kpiMaxRangeDays,
    historyMaxDevices: config.historyMaxDevices,
    clock,
    handleMqttStream: (stream, req, _principal, address) => broker.handleStream(stream, req, address),
    health,
    users,
    sessions,
    audit,
    devicesAdmin: access,
    allowedOrigins: parseOrigins(config.allowedOrigins),
    trustProxy: proxyList(config.trustProxy),
    loginAttemptsPerMinute: config.loginAttemptsPerMinute,
    ...(tls ? { https: tls } : {}),
  });

  // Producers after their consumers: the writer listens before ingest emits, incidents
  // before rules signal, and the intake replays what an earlier run spooled before
  // the transport opens to devices. The live hub and the API (whose /health says the
  // platform is up) start once it has.
  const transport: Component = external ?? broker;
  const core: Component[] = [store, audit, users, sessions, access, writer, directory, outbox, silences, incidents, transport, notifier, escalator, freezeWatch, rules, ingest, intake];
  const edge: Component[] = [hub, kpis, api];
  const started: Component[] = [];

  return {
    get mqttPort() {
      return broker.port;
    },
    get httpPort() {
      return api.port;
    },
    store,
    ingest,
    intake,
    writer,
    events,
    incidents,
    silences,
    escalator,
    rules,
    outbox,
    access,
    audit,
    users,
    sessions,
    api,
    health,
    reportHealth(name, figures) {
      reports.set(name, figures);
    },
    async start() {
      try {
        for (const c of core) {
          await c.start();
          started.push(c);
        }
        for (const c of core) await c.open?.();
        for (const c of edge) {
          await c.start();
          started.push(c);
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
