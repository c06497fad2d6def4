// The API service: fastify with REST, the /live websocket, MQTT over websocket at
// /mqtt, and the dashboard as static files. It knows the other services only by
// the ports it declares (ports.ts).
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import { createWebSocketStream } from 'ws';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DEVICE_KINDS, KIND_IDS, SUBSYSTEM_LABELS, SUBSYSTEMS } from '../../devices/index.ts';
import { QalaError } from '../contracts/errors.ts';
import { bundleDashboard } from './dashboard-bundle.ts';
import { answerError, installHttpErrors } from './http-errors.ts';
import { registerIncidentRoutes } from './incident-routes.ts';
import { prometheus } from './metrics.ts';
import type { DirectoryPort, IncidentsPort, LivePort, MqttStreamHandler, RulesPort, SeriesPort } from './ports.ts';
import { noQuery, oneOf, parseQuery } from './query.ts';
import { resolveSeriesQuery } from './series-query.ts';

export interface ApiDeps {
  host: string;
  port: number;
  town: string;
  log: Logger;
  store: SeriesPort;
  directory: DirectoryPort;
  hub: LivePort;
  incidents: IncidentsPort;
  rules: RulesPort;
  now: () => number;
  /** MQTT over websocket: each /mqtt connection becomes a broker client */
  handleMqttStream: MqttStreamHandler;
  /** figures for /health and /metrics, gathered by the composition root */
  health: () => Record<string, unknown>;
}

/** Request bodies are an operator's name and comment; nothing needs more. */
export const BODY_LIMIT = 64 * 1024;

const publicDir = fileURLToPath(new URL('../../dashboards/public/', import.meta.url));

/** Filters of /api/devices; a district must be one the directory knows, so the answer says which. */
export function devicesQuery(knownDistricts: readonly string[]) {
  const known = new Set(knownDistricts);
  return z
    .object({
      subsystem: oneOf(SUBSYSTEMS).optional(),
      kind: oneOf(KIND_IDS as readonly string[] as [string, ...string[]]).optional(),
      district: z
        .string()
        .refine((d) => known.has(d), known.size ? `one of the districts with known devices: ${[...known].sort().join(', ')}` : 'a district with known devices; none is known yet')
        .optional(),
    })
    .strict();
}

const notWebsocket = (path: string) => () => {
  throw new QalaError('ERR_UPGRADE_REQUIRED', `${path} is a websocket; connect with a websocket client (ws://host${path})`);
};

export class ApiServer {
  readonly #deps: ApiDeps;
  #app: FastifyInstance | undefined;

  constructor(deps: ApiDeps) {
    this.#deps = deps;
  }

  get port(): number {
    return (this.#app?.server.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const d = this.#deps;
    // Request logs are noise at info level; the API logs warnings and errors only.
    const level = d.log.levelVal < 40 ? 'warn' : d.log.level;
    const log = d.log.child({ component: 'api' }, { level });
    const app: FastifyInstance = Fastify({
      loggerInstance: log as FastifyBaseLogger,
      bodyLimit: BODY_LIMIT,
      // errors raised before routing (a bad URL) get the same answer as the rest
      frameworkErrors: (err, req, reply) => answerError(log, err, req, reply),
    });
    this.#app = app;
    installHttpErrors(app, { log, publicDir });
    // Bodies are JSON only: text/plain would reach the handlers as a string.
    app.removeContentTypeParser('text/plain');
    const bundle = bundleDashboard().catch((err: unknown) => {
      d.log.error({ err }, 'dashboard bundle failed');
      return `document.body.textContent = ${JSON.stringify(`Dashboard bundle failed: ${(err as Error).message}`)};`;
    });

    await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
    await app.register(fastifyStatic, { root: publicDir, index: 'index.html' });

    app.get('/app.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(await bundle));

    app.get('/health', async (req) => {
      parseQuery(noQuery, req.query);
      return { status: 'ok', town: d.town, ...d.health() };
    });
    app.get('/metrics', async (req, reply) => {
      parseQuery(noQuery, req.query);
      return reply.type('text/plain; version=0.0.4').send(prometheus(d.health()));
    });

    app.get('/api/kinds', async (req) => {
      parseQuery(noQuery, req.query);
      return { subsystems: SUBSYSTEM_LABELS, kinds: DEVICE_KINDS };
    });

    app.get('/api/devices', async (req) => {
      const all = d.directory.list();
      const q = parseQuery(devicesQuery([...new Set(all.map((x) => x.district))]), req.query);
      const devices = all.filter((x) => (!q.subsystem || x.subsystem === q.subsystem) && (!q.kind || x.kind === q.kind) && (!q.district || x.district === q.district));
      return { count: devices.length, devices };
    });

    app.get('/api/series', async (req) => {
      const q = resolveSeriesQuery(req.query, d.now());
      const points = await d.store.series(q);
      return { ...q, points };
    });

    registerIncidentRoutes(app, d.incidents, d.rules);

    app.route({ method: 'GET', url: '/live', handler: notWebsocket('/live'), wsHandler: (socket) => d.hub.attach(socket) });
    app.route({
      method: 'GET',
      url: '/mqtt',
      handler: notWebsocket('/mqtt'),
      wsHandler: (socket, req) => d.handleMqttStream(createWebSocketStream(socket), req.raw),
    });

    await app.listen({ host: d.host, port: d.port });
    await bundle;
  }

  async stop(): Promise<void> {
    await this.#app?.close();
    this.#app = undefined;
  }
}
