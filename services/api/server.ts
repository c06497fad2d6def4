// The API service: fastify with REST, the /live websocket, MQTT over websocket at
// /mqtt, and the dashboard as static files. It knows the other services only by
// the ports it declares (ports.ts). The dashboard's files and /health are public;
// everything else needs a session or an API token and the right role (auth.ts).
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyHttpOptions, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import { createWebSocketStream } from 'ws';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DEVICE_KINDS, KIND_IDS, SUBSYSTEM_LABELS, SUBSYSTEMS } from '../../devices/index.ts';
import { QalaError } from '../contracts/errors.ts';
import type { AuditSink, Clock, FeatureCollection, TownInfo } from '../contracts/index.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { installGuard, principalOf } from './auth.ts';
import { bundleDashboard, bundleDashboardCss } from './dashboard-bundle.ts';
import { answerError, installHttpErrors } from './http-errors.ts';
import { registerGeoRoutes, type MapTiles } from './geo-routes.ts';
import { registerHistoryRoutes } from './history-routes.ts';
import { registerIncidentRoutes } from './incident-routes.ts';
import { registerKpiRoutes } from './kpi-routes.ts';
import { registerSilenceRoutes } from './silence-routes.ts';
import { registerLoginRoutes } from './login-routes.ts';
import { cookieName } from './cookies.ts';
import { EXPLORER_ASSETS, EXPLORER_PAGE, collectRoutes, explorerAssetsDir, openApiDocument, type RouteEntry } from './openapi.ts';
import { PlatformMetrics, qalaVersion } from './metrics.ts';
import type { AuditReadPort, DevicesAdminPort, DirectoryPort, EscalationPort, IncidentsPort, KpisPort, LivePort, MqttStreamHandler, RulesPort, SeriesPort, SessionsPort, SilencesPort, UsersPort } from './ports.ts';
import { noQuery, oneOf, parseQuery } from './query.ts';
import { FailureLimiter } from './rate-limit.ts';
import { resolveSeriesQuery, seriesQuerySchema } from './series-query.ts';
import { utilityScope, visibleTo } from './scope.ts';
import { registerUserRoutes } from './user-routes.ts';
import { WsSessions } from './ws-sessions.ts';

export interface ApiDeps {
  host: string;
  port: number;
  /** QALA_MAX_HTTP_CONNECTIONS: past it Node closes a new socket at accept */
  maxConnections?: number;
  town: string;
  /** the town's name, clock and districts, for the control room */
  townInfo: TownInfo;
  /** its schematic map (services/geo) */
  townMap: FeatureCollection;
  /** a tile server beneath the map (QALA_MAP_TILE_URL), when the deployment has one */
  mapTiles?: MapTiles;
  log: Logger;
  store: SeriesPort;
  directory: DirectoryPort;
  hub: LivePort;
  incidents: IncidentsPort;
  silences: SilencesPort;
  escalation: EscalationPort;
  rules: RulesPort;
  /** city indicators and time to freeze (/api/kpis) */
  kpis: KpisPort;
  /** the longest range /api/kpis takes, days */
  kpiMaxRangeDays: number;
  /** devices /api/history reads for one chart */
  historyMaxDevices: number;
  clock: Clock;
  /** MQTT over websocket: each /mqtt connection becomes a broker client */
  handleMqttStream: MqttStreamHandler;
  /** figures for /health (numbers only) and /metrics, gathered by the composition root */
  health: () => Record<string, unknown>;
  users: UsersPort;
  sessions: SessionsPort;
  audit: AuditSink & AuditReadPort;
  devicesAdmin: DevicesAdminPort;
  /** origins allowed besides the dashboard's own, normalised (parseOrigins of QALA_ALLOWED_ORIGINS) */
  allowedOrigins: readonly string[];
  /** reverse proxies whose X-Forwarded-For is believed (QALA_TRUST_PROXY); none: request.ip is the peer's address */
  trustProxy?: readonly string[];
  /** failed logins (and bad API tokens) allowed per minute per address and per user name */
  loginAttemptsPerMinute: number;
  /** serve HTTPS (and so WSS) with this certificate; cookies are then Secure */
  https?: { cert: string | Buffer; key: string | Buffer };
}

/** Request bodies are a comment, a login or a new user; nothing needs more (a device CSV has its own limit). */
export const BODY_LIMIT = 64 * 1024;

/** /health is a liveness probe anyone may call: its numbers (counts, flags), never a name, path or address. */
export function countsOnly(value: unknown): unknown {
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const kept = countsOnly(v);
    if (kept !== undefined && (typeof kept !== 'object' || Object.keys(kept as object).length > 0)) out[k] = kept;
  }
  return out;
}

const publicDir = fileURLToPath(new URL('../../dashboards/public/', import.meta.url));

/** Filters of /api/devices; a district must be one the directory knows, so the answer says which. */
export function devicesQuery(knownDistricts: readonly string[]) {
  const known = new Set(knownDistricts);
  return z
    .object({
      subsystem: oneOf(SUBSYSTEMS).optional().describe('only this subsystem'),
      kind: oneOf(KIND_IDS as readonly string[] as [string, ...string[]]).optional().describe('only this device kind'),
      district: z
        .string()
        .refine((d) => known.has(d), known.size ? `one of the districts with known devices: ${[...known].sort().join(', ')}` : 'a district with known devices; none is known yet')
        .optional()
        .describe('only this district, one with known devices (such as old-town)'),
    })
    .strict();
}

const notWebsocket = (path: string) => () => {
  throw new QalaError('ERR_UPGRADE_REQUIRED', `${path} is a websocket; connect with a websocket client (ws://host${path})`);
};

export class ApiServer {
  readonly #deps: ApiDeps;
  #app: FastifyInstance | undefined;
  #sockets: WsSessions | undefined;
  #metrics: PlatformMetrics | undefined;
  #routes: RouteEntry[] = [];

  constructor(deps: ApiDeps) {
    this.#deps = deps;
  }

  get port(): number {
    return (this.#app?.server.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Every route with the access it declares (the auth tests walk them all). */
  get routes(): readonly { method: string; url: string; access: unknown }[] {
    return this.#routes.map((r) => ({ method: r.method, url: r.url, access: r.config.access }));
  }

  /** Open /live and /mqtt websockets held to a login. */
  get websockets(): number {
    return this.#sockets?.size ?? 0;
  }

  async start(): Promise<void> {
    const d = this.#deps;
    // Request logs are noise at info level; the API logs warnings and errors only.
    const level = d.log.levelVal < 40 ? 'warn' : d.log.level;
    const log = d.log.child({ component: 'api' }, { level });
    const secure = Boolean(d.https);
    const options: FastifyHttpOptions<Server> = {
      loggerInstance: log as FastifyBaseLogger,
      bodyLimit: BODY_LIMIT,
      // errors raised before routing (a bad URL) get the same answer as the rest
      frameworkErrors: (err, req, reply) => answerError(log, err, req, reply),
      // request.ip is the client's from X-Forwarded-For only when the hop it came over is a
      // listed proxy (the rightmost untrusted address of the chain), else the peer's own:
      // the login limiter's key and the audit's "from" cannot be forged by a direct client
      ...(d.trustProxy?.length ? { trustProxy: [...d.trustProxy] } : {}),
    };
    // fastify serves HTTPS when given `https`; its handlers are typed the same either way
    const app: FastifyInstance = Fastify(d.https ? ({ ...options, https: d.https } as FastifyHttpOptions<Server>) : options);
    this.#app = app;
    if (d.maxConnections) app.server.maxConnections = d.maxConnections;
    const sockets = new WsSessions(d.clock);
    this.#sockets = sockets;
    const limiter = new FailureLimiter(d.clock, d.loginAttemptsPerMinute);
    installHttpErrors(app, { log, publicDir });
    // before the guard: its onRequest hook marks upgrade requests, so a refused upgrade's socket is destroyed once answered
    await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
    installGuard(app, { users: d.users, sessions: d.sessions, audit: d.audit, log, secure, allowedOrigins: d.allowedOrigins, limiter });
    // @fastify/static's catch-all takes no route options of its own
    app.addHook('onRoute', (r) => {
      if (r.url === '/*' && r.config?.summary === undefined) r.config = { ...r.config, summary: "The dashboard's files (index.html, styles, images)" };
    });
    // after the guard's own onRoute, so the list shows the access it settled on; /openapi.json is made from it
    const routes = collectRoutes(app);
    this.#routes = routes;
    // Bodies are JSON only: text/plain would reach the handlers as a string.
    app.removeContentTypeParser('text/plain');
    const bundle = bundleDashboard().catch((err: unknown) => {
      d.log.error({ err }, 'dashboard bundle failed');
      return `document.body.textContent = ${JSON.stringify(`Dashboard bundle failed: ${(err as Error).message}`)};`;
    });

    const css = bundleDashboardCss().catch((err: unknown) => {
      d.log.error({ err }, 'dashboard styles bundle failed');
      return '';
    });

    await app.register(fastifyStatic, { root: publicDir, index: 'index.html' });

    app.get('/app.js', { config: { access: 'public', summary: "The dashboard's script, bundled at start" } }, async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(await bundle));

    app.get('/vendor.css', { config: { access: 'public', summary: "The map library's styles (Leaflet, marker clusters), bundled at start" } }, async (_req, reply) => reply.type('text/css; charset=utf-8').send(await css));

    app.get('/health', { config: { access: 'public', summary: 'Liveness: status and counts (no names, paths or addresses)', query: noQuery } }, async (req) => {
      parseQuery(noQuery, req.query);
      const h = d.health();
      const problems = Array.isArray(h.problems) ? h.problems : [];
      return { status: problems.length > 0 ? 'degraded' : 'ok', ...(countsOnly(h) as Record<string, unknown>), problems };
    });
    // Prometheus scrapes with a bearer token (a viewer's will do)
    const metrics = new PlatformMetrics({ health: d.health, version: qalaVersion() });
    metrics.start();
    this.#metrics = metrics;
    app.get('/metrics', { config: { access: 'user', summary: 'Prometheus text exposition format 0.0.4 (README: /metrics)', query: noQuery } }, async (req, reply) => {
      parseQuery(noQuery, req.query);
      return reply.type(metrics.contentType).send(await metrics.scrape());
    });

    app.get('/api/kinds', { config: { access: 'user', summary: 'The device catalog: subsystems and device kinds with their metrics', query: noQuery } }, async (req) => {
      parseQuery(noQuery, req.query);
      return { subsystems: SUBSYSTEM_LABELS, kinds: DEVICE_KINDS };
    });

    app.get('/api/devices', { config: { access: 'user', summary: "Known devices with their latest values and online state (a utility user: its own network's only)", query: devicesQuery([]) } }, async (req) => {
      const all = d.directory.list().filter(visibleTo(principalOf(req)));
      const q = parseQuery(devicesQuery([...new Set(all.map((x) => x.district))]), req.query);
      const devices = all.filter((x) => (!q.subsystem || x.subsystem === q.subsystem) && (!q.kind || x.kind === q.kind) && (!q.district || x.district === q.district));
      return { count: devices.length, devices };
    });

    app.get('/api/series', { config: { access: 'user', summary: "One metric of one device over time, bucketed (avg, min, max, count)", query: seriesQuerySchema } }, async (req) => {
      const q = resolveSeriesQuery(req.query, d.clock.now());
      // another utility's device is not found, as it is in their device list
      const device = d.directory.list().find((x) => x.deviceId === q.deviceId);
      if (device && !visibleTo(principalOf(req))(device)) throw new QalaError('ERR_DEVICE_NOT_FOUND', `no device ${q.deviceId}`);
      const points = await d.store.series(q);
      return { ...q, source: d.store.seriesSource?.(q) ?? 'raw', points };
    });

    registerLoginRoutes(app, { town: d.town, users: d.users, sessions: d.sessions, audit: d.audit, limiter, sockets, secure });
    registerUserRoutes(app, d.users, d.sessions, sockets);
    registerIncidentRoutes(app, { incidents: d.incidents, rules: d.rules, audit: d.audit, users: d.users });
    registerSilenceRoutes(app, d.silences, d.escalation, d.audit);
    registerAdminRoutes(app, d.devicesAdmin, d.audit);
    registerKpiRoutes(app, d.kpis, { now: () => d.clock.now(), maxRangeDays: d.kpiMaxRangeDays });
    registerGeoRoutes(app, d.townInfo, d.townMap, d.mapTiles);
    registerHistoryRoutes(app, { store: d.store, directory: d.directory, clock: d.clock, maxDevices: d.historyMaxDevices });

    // The API document and its explorer need a login like the rest (README: API document)
    let document: Record<string, unknown> | undefined;
    app.get('/openapi.json', { config: { access: 'user', summary: 'This document: OpenAPI 3.1, generated from the routes', query: noQuery } }, async (req) => {
      parseQuery(noQuery, req.query);
      return (document ??= openApiDocument(routes, { version: qalaVersion(), cookieName: cookieName(secure) }));
    });
    app.get('/api/docs', { config: { access: 'user', summary: 'The API explorer (Swagger UI over /openapi.json)', query: noQuery } }, async (req, reply) => {
      parseQuery(noQuery, req.query);
      return reply.type('text/html; charset=utf-8').send(EXPLORER_PAGE);
    });
    const assets = explorerAssetsDir();
    for (const file of EXPLORER_ASSETS) {
      app.get(`/api/docs/${file}`, { config: { access: 'user', summary: `The explorer's ${file} (swagger-ui-dist)` } }, async (_req, reply) => reply.sendFile(file, assets));
    }

    // websockets are held to the login that opened them, and closed when it ends
    app.route({
      method: 'GET',
      url: '/live',
      config: { access: 'user', summary: "Live updates of every subsystem and the unresolved incidents (websocket; a utility user: its own network's)" },
      handler: notWebsocket('/live'),
      wsHandler: (socket, req) => {
        const auth = req.auth!;
        sockets.hold(socket, auth);
        // a utility user's stream is its own network's: summaries, history and incidents (scope.ts)
        const utility = utilityScope(auth.principal);
        d.hub.attach(socket, utility !== undefined ? { utility } : undefined);
      },
    });
    app.route({
      method: 'GET',
      url: '/mqtt',
      config: { access: 'user', summary: 'MQTT 3.1.1 over websocket (the MQTT login is checked too)' },
      handler: notWebsocket('/mqtt'),
      wsHandler: (socket, req) => {
        sockets.hold(socket, req.auth!);
        d.handleMqttStream(createWebSocketStream(socket), req.raw, req.auth!.principal, req.ip);
      },
    });

    await app.listen({ host: d.host, port: d.port });
    await Promise.all([bundle, css]);
  }

  async stop(): Promise<void> {
    this.#sockets?.clear();
    await this.#app?.close();
    this.#app = undefined;
    this.#metrics?.stop();
    this.#metrics = undefined;
  }
}
