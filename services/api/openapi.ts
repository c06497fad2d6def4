// The HTTP API described as an OpenAPI 3.1 document, generated from the routes as
// fastify registers them: each route's options say who may call it (config.access),
// what it does (config.summary, config.description) and the zod schemas its handler
// parses the query string and the JSON body with (config.query, config.body), which
// z.toJSONSchema turns into JSON Schema 2020-12, the dialect of OpenAPI 3.1
// (OpenAPI 3.1.0 §4.8.24). A route added later is in the document without a list to
// keep; one that declares no summary is listed as undocumented, and the API test
// refuses it.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ERROR_CODES } from '../contracts/errors.ts';
import type { Access } from './auth.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** one line for the API document; every route needs one (test/integration/openapi.test.ts) */
    summary?: string;
    /** more about the route, in markdown */
    description?: string;
    /** the zod schema the handler parses the query string with */
    query?: z.ZodObject;
    /** the zod schema the handler parses the JSON body with */
    body?: z.ZodType;
    /** the media type of a body that is not JSON (the schema is then a string) */
    consumes?: string;
  }
}

/** A route as registered: what the document is made from. */
export interface RouteEntry {
  method: string;
  url: string;
  config: {
    access?: Access;
    summary?: string;
    description?: string;
    query?: z.ZodObject;
    body?: z.ZodType;
    consumes?: string;
  };
  websocket: boolean;
}

/**
 * Records every route as fastify registers it. Add it after the guard, whose onRoute
 * settles the access of routes it knows (the static files' catch-all).
 */
export function collectRoutes(app: FastifyInstance): RouteEntry[] {
  const routes: RouteEntry[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      routes.push({ method: String(method), url: r.url, config: { ...(r.config ?? {}) } as RouteEntry['config'], websocket: Boolean((r as { wsHandler?: unknown }).wsHandler) });
    }
  });
  return routes;
}

export interface DocumentOptions {
  version: string;
  /** the session cookie's name (cookies.ts: __Host-qala_session under TLS) */
  cookieName: string;
}

type Json = Record<string, unknown>;

export const UNDOCUMENTED = 'Not documented yet: this route declares no config.summary.';

/** fastify's `/api/incidents/:id` as OpenAPI's `/api/incidents/{id}`, with the names of its parameters. */
export function openApiPath(url: string): { path: string; params: string[] } {
  const params: string[] = [];
  const path = url
    .split('/')
    .map((seg) => {
      if (seg === '*') {
        params.push('path');
        return '{path}';
      }
      const m = /^:([A-Za-z0-9_]+)/.exec(seg);
      if (!m) return seg;
      params.push(m[1]!);
      return `{${m[1]}}`;
    })
    .join('/');
  return { path, params };
}

/** The JSON Schema of what a client sends (a transform's input side), without the dialect line OpenAPI sets once. */
function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

function who(access: Access | undefined): string {
  if (access === 'public') return 'anyone, without a login';
  if (access === 'user') return 'any logged-in user (session cookie or API token)';
  if (Array.isArray(access)) return `a logged-in user with the role ${access.join(' or ')}`;
  return 'nobody: the route declares no access';
}

const tagOf = (url: string): string => /^\/api\/([a-z]+)/.exec(url)?.[1] ?? 'platform';

const errorRef = { $ref: '#/components/schemas/Error' };
const errorAnswer = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });

function operation(route: RouteEntry): Json {
  const { config } = route;
  const { path, params } = openApiPath(route.url);
  const parameters: Json[] = params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' }, ...(name === 'path' ? { description: 'a file path under the dashboard' } : {}) }));
  if (config.query) {
    const q = jsonSchema(config.query) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, s] of Object.entries(q.properties ?? {})) {
      const { description, ...schema } = s as Json & { description?: string };
      parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema, ...(description ? { description } : {}) });
    }
  }
  const access = config.access;
  const description = [
    config.summary ? config.description : UNDOCUMENTED,
    `**Who:** ${who(access)}.`,
    route.websocket ? 'A websocket: open it with an HTTP upgrade (`ws://` or `wss://`); a plain request is answered 426.' : undefined,
  ].filter(Boolean).join('\n\n');
  const responses: Json = { '2XX': { description: 'done; the answer is JSON unless the route says otherwise' } };
  if (config.query || config.body) responses['400'] = errorAnswer('the query string or body is malformed (ERR_QUERY_INVALID, ERR_BODY_INVALID)');
  if (access !== 'public') responses['401'] = errorAnswer('no valid session or API token (ERR_UNAUTHENTICATED)');
  if (Array.isArray(access)) responses['403'] = errorAnswer(`the role may not (ERR_FORBIDDEN); it takes ${access.join(' or ')}`);
  responses.default = errorAnswer('any other error, with its code (docs/errors.md)');
  return {
    operationId: `${route.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: config.summary ?? `${route.method} ${route.url}`,
    description,
    tags: [tagOf(route.url)],
    ...(parameters.length ? { parameters } : {}),
    ...(config.body || config.consumes
      ? {
          requestBody: {
            // parseBody takes an absent body as {}: the body is optional when {} passes
            required: config.body ? !config.body.safeParse({}).success : true,
            content: { [config.consumes ?? 'application/json']: { schema: config.body ? jsonSchema(config.body) : { type: 'string' } } },
          },
        }
      : {}),
    // OpenAPI 3.1.0 §4.8.10.1: an empty array removes security; alternatives are ORed
    security: access === 'public' ? [] : [{ session: [] }, { token: [] }],
    'x-qala-access': access ?? null,
    ...(route.websocket ? { 'x-qala-websocket': true } : {}),
    ...(config.summary ? {} : { 'x-qala-undocumented': true }),
    responses,
  };
}

/** The OpenAPI 3.1 document of these routes (HEAD routes that fastify adds beside each GET are left out). */
export function openApiDocument(routes: readonly RouteEntry[], options: DocumentOptions): Json {
  const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.url));
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    if (r.method === 'HEAD' && gets.has(r.url)) continue;
    const { path } = openApiPath(r.url);
    (paths[path] ??= {})[r.method.toLowerCase()] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Qala HTTP API',
      version: options.version,
      description: 'The control room\'s API. Log in with POST /api/login (a session cookie) or send an API token as `Authorization: Bearer <token>`; POSTs must come from the dashboard\'s own origin. Errors carry a code from docs/errors.md.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(Object.values(paths).flatMap((ops) => Object.values(ops).flatMap((o) => o.tags as string[])))].sort().map((name) => ({ name })),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: options.cookieName, description: 'the session cookie POST /api/login sets' },
        token: { type: 'http', scheme: 'bearer', description: 'an API token (an admin makes one with POST /api/tokens)' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { enum: Object.keys(ERROR_CODES) }, message: { type: 'string', description: 'what was wrong, naming the bad value' } },
            },
          },
        },
      },
    },
  };
}

/** Swagger UI's files (swagger-ui-dist from npm), served by the API so the explorer needs no internet. */
export const EXPLORER_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const;

export const explorerAssetsDir = (): string => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The explorer page at /api/docs: Swagger UI over /openapi.json, with paths relative to it (so a reverse proxy's prefix is kept). */
export const EXPLORER_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Qala API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="explorer"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '../openapi.json', dom_id: '#explorer', deepLinking: true });</script>
</body>
</html>
`;
