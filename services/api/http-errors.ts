// One shape for every HTTP error, fastify's own included: the status from the error
// catalogue and {"error":{"code","message"}} with a Qala code. A path that exists
// under other methods answers 405 with Allow (RFC 9110 §15.5.6), anything else 404.
import { statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ERROR_CODES, QalaError, type ErrorCode } from '../contracts/errors.ts';

/** fastify's errors a client can cause, each with the Qala code it is answered with. */
export const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_NOT_FOUND: 'ERR_NOT_FOUND',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ERR_BODY_INVALID',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_BODY_INVALID',
  FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_BODY_INVALID',
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'ERR_URL_INVALID',
  FST_ERR_INVALID_URL: 'ERR_URL_INVALID',
  FST_ERR_MAX_PARAM_LENGTH: 'ERR_URL_TOO_LONG',
};

/** Clearer words than fastify's for the mistakes clients make most. */
const MESSAGES: Partial<Record<string, (req: FastifyRequest) => string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (req) => `content-type "${req.headers['content-type'] ?? ''}" is not accepted; send the body as application/json`,
  FST_ERR_CTP_BODY_TOO_LARGE: (req) => `the body is over the limit of ${req.routeOptions.bodyLimit ?? 'the server\'s'} bytes`,
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'content-type is application/json but the body is empty; send a JSON object',
  FST_ERR_CTP_INVALID_JSON_BODY: () => 'the body is not valid JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'the body length does not match its content-length header',
};

export interface HttpErrorsDeps {
  log: Logger;
  /** the dashboard's static files: a path naming one of them takes GET and HEAD */
  publicDir: string;
}

const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const send = (reply: FastifyReply, code: ErrorCode, message: string) =>
  reply.code(ERROR_CODES[code].status).type('application/json; charset=utf-8').send({ error: { code, message } });

/**
 * Installs the error and not-found handlers. Call it before any route is added:
 * it records the routes (onRoute) to know which methods a path takes.
 */
export function installHttpErrors(app: FastifyInstance, deps: HttpErrorsDeps): void {
  const routes: { pattern: RegExp; methods: Set<string> }[] = [];
  app.addHook('onRoute', (route) => {
    if (route.url === '/*' || route.url === '*') return; // the static files' catch-all, judged by file below
    const methods = [route.method].flat().map((m) => m.toUpperCase());
    const pattern = routePattern(route.url ?? route.path);
    const known = routes.find((r) => r.pattern.source === pattern.source);
    if (known) for (const m of methods) known.methods.add(m);
    else routes.push({ pattern, methods: new Set(methods) });
  });

  const allowed = (path: string): string[] => {
    const methods = new Set<string>();
    for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) methods.add(m);
    if (isStaticFile(deps.publicDir, path)) methods.add('GET');
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort((a, b) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b));
  };

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const methods = allowed(path);
    if (methods.length > 0 && !methods.includes(req.method)) {
      void reply.header('allow', methods.join(', '));
      return send(reply, 'ERR_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; it takes ${methods.join(', ')}`);
    }
    return send(reply, 'ERR_NOT_FOUND', `nothing at ${req.method} ${path}; the API is under /api (GET /api/kinds, /api/devices, /api/series, /api/incidents, /api/rules), with /health and /metrics`);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => answerError(deps.log, err, req, reply));
}

/**
 * The answer to any error: a QalaError with its catalogue status, a fastify error by
 * FASTIFY_CODES, anything else 500 ERR_INTERNAL (logged). Also fastify's
 * `frameworkErrors` option, which sees the errors raised before routing (bad URL).
 */
export function answerError(log: Logger, err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof QalaError) {
    if (err.status >= 500) log.error({ err, reqId: req.id }, 'api error');
    return send(reply, err.code, err.message);
  }
  const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (mapped) return send(reply, mapped, MESSAGES[err.code]?.(req) ?? err.message);
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    // a client error fastify or a plugin raised that FASTIFY_CODES does not name yet
    log.warn({ err, reqId: req.id }, 'unmapped client error');
    return send(reply, 'ERR_BAD_REQUEST', err.message);
  }
  log.error({ err, reqId: req.id }, 'api error');
  return send(reply, 'ERR_INTERNAL', `an unexpected error; the server log has the details under request id ${req.id}`);
}

/** A fastify route path (`/api/incidents/:id`) as a regular expression for concrete paths. */
function routePattern(url: string): RegExp {
  const parts = url.split('/').map((seg) => {
    if (seg.startsWith(':')) return '[^/]+';
    if (seg === '*') return '.*';
    return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('/')}$`);
}

function isStaticFile(root: string, urlPath: string): boolean {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return false; // not a valid path, so not a file
  }
  const full = normalize(join(root, rel === '/' ? 'index.html' : rel));
  if (!full.startsWith(normalize(root.endsWith(sep) ? root : root + sep))) return false;
  try {
    return statSync(full).isFile();
  } catch {
    return false; // no such file
  }
}
