// The API service: fastify with REST, the /live websocket, MQTT over websocket at
// /mqtt, and the dashboard as static files.
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import { createWebSocketStream } from 'ws';
import type { Logger } from 'pino';
import { DEVICE_KINDS, SUBSYSTEM_LABELS } from '../../devices/index.ts';
import type { DeviceDirectory } from '../directory/directory.ts';
import type { LiveHub } from '../live/live-hub.ts';
import type { TimeSeriesStore } from '../store/port.ts';
import type { IncidentManager } from '../incidents/incidents.ts';
import type { RulesService } from '../rules/rules-service.ts';
import { QalaError } from '../errors.ts';
import { bundleDashboard } from './dashboard-bundle.ts';
import { registerIncidentRoutes } from './incident-routes.ts';
import { prometheus } from './metrics.ts';
import { resolveSeriesQuery } from './series-query.ts';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';

export interface ApiDeps {
  host: string;
  port: number;
  town: string;
  log: Logger;
  store: TimeSeriesStore;
  directory: DeviceDirectory;
  hub: LiveHub;
  incidents: IncidentManager;
  rules: RulesService;
  now: () => number;
  /** MQTT over websocket: each /mqtt connection becomes a broker client */
  handleMqttStream: (stream: Duplex, req: IncomingMessage) => void;
  /** figures for /health and /metrics, gathered by the composition root */
  health: () => Record<string, unknown>;
}

const HTTP_STATUS: Partial<Record<string, number>> = { ERR_INCIDENT_NOT_FOUND: 404, ERR_INCIDENT_STATE: 409, ERR_QUERY_INVALID: 400 };

const publicDir = fileURLToPath(new URL('../../dashboards/public/', import.meta.url));

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
    const app: FastifyInstance = Fastify({ loggerInstance: d.log.child({ component: 'api' }, { level }) as FastifyBaseLogger });
    this.#app = app;
    const bundle = bundleDashboard().catch((err: unknown) => {
      d.log.error({ err }, 'dashboard bundle failed');
      return `document.body.textContent = ${JSON.stringify(`Dashboard bundle failed: ${(err as Error).message}`)};`;
    });

    await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
    await app.register(fastifyStatic, { root: publicDir, index: 'index.html' });

    app.get('/app.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(await bundle));

    app.get('/health', async () => ({ status: 'ok', town: d.town, ...d.health() }));
    app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(prometheus(d.health())));

    app.get('/api/kinds', async () => ({ subsystems: SUBSYSTEM_LABELS, kinds: DEVICE_KINDS }));

    app.get('/api/devices', async (req) => {
      const q = req.query as Record<string, string | undefined>;
      const devices = d.directory
        .list()
        .filter((x) => (!q.subsystem || x.subsystem === q.subsystem) && (!q.kind || x.kind === q.kind) && (!q.district || x.district === q.district));
      return { count: devices.length, devices };
    });

    app.get('/api/series', async (req, reply) => {
      const q = resolveSeriesQuery(req.query, d.now());
      if (!q.ok) return reply.code(400).send({ error: { code: 'ERR_QUERY_INVALID', message: q.message } });
      const points = await d.store.series(q.value);
      return { ...q.value, points };
    });

    registerIncidentRoutes(app, d.incidents, d.rules);

    app.get('/live', { websocket: true }, (socket) => d.hub.attach(socket));

    app.get('/mqtt', { websocket: true }, (socket, req) => {
      d.handleMqttStream(createWebSocketStream(socket), req.raw);
    });

    app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
      const mapped = err instanceof QalaError ? HTTP_STATUS[err.code] : undefined;
      const status = mapped ?? (err.statusCode && err.statusCode >= 400 ? err.statusCode : 500);
      if (status >= 500) d.log.error({ err }, 'api error');
      void reply.code(status).send({ error: { code: err.code ?? 'ERR_INTERNAL', message: err.message } });
    });

    await app.listen({ host: d.host, port: d.port });
    await bundle;
  }

  async stop(): Promise<void> {
    await this.#app?.close();
    this.#app = undefined;
  }
}
