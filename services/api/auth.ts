// Who is asking, and may they: every route declares its access (`config.access`:
// public, any logged-in user, or a list of roles) and a route that declares none
// stops the server from starting, so no route is open by oversight. Before routing
// on: cross-site requests are refused (the Origin of every request that changes
// something and of every websocket upgrade must be the dashboard's own or a
// configured one: OWASP's CSRF cheat sheet, "verifying origin with standard
// headers"), then the caller is found from `Authorization: Bearer <token>` or the
// session cookie, then the role is checked.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { QalaError, principalName, type AuditSink, type Role } from '../contracts/index.ts';
import { cookieName, readCookie } from './cookies.ts';
import type { Actor, SessionsPort, UserPrincipal, UsersPort } from './ports.ts';
import type { FailureLimiter } from './rate-limit.ts';

/** Who may use a route: anyone, any logged-in user, or users with one of these roles. */
export type Access = 'public' | 'user' | readonly Role[];

export interface Auth {
  principal: UserPrincipal;
  via: 'session' | 'token';
  /** the session's key (SHA-256 of its id), for a session */
  sessionKey?: string;
  expiresAt?: number;
  tokenId?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** the audit action of a refused request (default: the method and route) */
    auditAs?: string;
  }
  interface FastifyRequest {
    auth: Auth | undefined;
  }
}

export interface GuardDeps {
  users: UsersPort;
  sessions: SessionsPort;
  audit: AuditSink;
  log: Logger;
  /** served over TLS: the cookie is Secure and named __Host-…, and only https origins are our own */
  secure: boolean;
  /** origins allowed besides the dashboard's own (normalised, e.g. https://control.example.kz) */
  allowedOrigins: readonly string[];
  /** failed logins and bad tokens, per `addr:<ip>` and `name:<user>` */
  limiter: FailureLimiter;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The actor of a request, for the audit log and the incidents' history. */
export const actorOf = (req: FastifyRequest): Actor => ({ who: req.auth ? principalName(req.auth.principal) : 'anonymous', from: req.ip });

/** The logged-in user; routes with access other than public only run with one. */
export function principalOf(req: FastifyRequest): UserPrincipal {
  if (!req.auth) throw new QalaError('ERR_UNAUTHENTICATED', 'log in first (POST /api/login), or send Authorization: Bearer <token>');
  return req.auth.principal;
}

/** Refuses with 429 and Retry-After while any of the keys is over its allowance. */
export function refuseIfLimited(limiter: FailureLimiter, reply: FastifyReply, keys: readonly string[], what: string): void {
  const wait = Math.max(...keys.map((k) => limiter.retryAfterMs(k)));
  if (wait <= 0) return;
  const seconds = Math.max(1, Math.ceil(wait / 1000));
  void reply.header('retry-after', String(seconds));
  throw new QalaError('ERR_RATE_LIMITED', `too many failed ${what}; try again in ${seconds} s`);
}

export const limiterKeys = (ip: string, name?: string): string[] => [`addr:${ip}`, ...(name !== undefined ? [`name:${name.toLowerCase().slice(0, 100)}`] : [])];

/** Whether a request's Origin is one we serve to, given the Host it came to. */
export function originAllowed(origin: string, host: string | undefined, secure: boolean, allowed: readonly string[]): boolean {
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false; // "null" (a sandboxed frame, a file: page) and anything unparsable
  }
  if (o.origin === 'null') return false;
  if (allowed.includes(o.origin)) return true;
  if (!host || (o.protocol !== 'https:' && (secure || o.protocol !== 'http:'))) return false;
  try {
    // the Host header as the browser would write it for that scheme (default port dropped)
    return new URL(`${o.protocol}//${host}`).host === o.host;
  } catch {
    return false;
  }
}

/** Normalised origins from QALA_ALLOWED_ORIGINS (comma-separated); a bad one is a configuration error. */
export function parseOrigins(list: string | undefined): string[] {
  const out: string[] = [];
  for (const raw of (list ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    let u: URL | undefined;
    try {
      u = new URL(raw);
    } catch {
      u = undefined;
    }
    const valid = u && (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === raw.replace(/\/$/, '') && /^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/i.test(u.hostname);
    if (!u || !valid) {
      throw new QalaError('ERR_CONFIG_INVALID', `invalid configuration:\n  QALA_ALLOWED_ORIGINS: "${raw}" is not an origin such as https://control.example.kz (scheme, host and port only)`);
    }
    out.push(u.origin);
  }
  return out;
}

/**
 * Installs the guard. Call it before any route is added: routes are checked for a
 * declared access as they are added.
 */
export function installGuard(app: FastifyInstance, deps: GuardDeps): void {
  const cookie = cookieName(deps.secure);
  app.decorateRequest('auth', undefined);

  app.addHook('onRoute', (route) => {
    if (route.config?.access !== undefined) return;
    // @fastify/static's catch-all serves the dashboard's files, public by design
    if (route.url === '/*' || route.url === '*') {
      route.config = { ...route.config, access: 'public' };
      return;
    }
    throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access: 'public', 'user' or a list of roles)`);
  });

  const audit = (req: FastifyRequest, action: string, reason: string, who?: string) =>
    deps.audit.record({ who: who ?? (req.auth ? principalName(req.auth.principal) : 'anonymous'), action, outcome: 'refused', from: req.ip, detail: { method: req.method, path: req.routeOptions.url ?? req.url.split('?')[0], reason } });

  const authenticate = async (req: FastifyRequest, reply: FastifyReply): Promise<Auth | undefined> => {
    const header = req.headers.authorization;
    if (header !== undefined) {
      // a client that sends credentials means them: a bad token never falls back to the cookie
      const m = /^Bearer +([\x21-\x7e]{1,512}) *$/i.exec(header);
      refuseIfLimited(deps.limiter, reply, limiterKeys(req.ip), 'logins or API tokens from this address');
      const found = m ? await deps.users.verifyToken(m[1]!) : undefined;
      if (!found) {
        deps.limiter.fail(limiterKeys(req.ip)[0]!);
        audit(req, 'token.refused', m ? 'unknown or revoked API token' : 'malformed Authorization header');
        throw new QalaError('ERR_UNAUTHENTICATED', m ? 'the API token is unknown or revoked' : 'the Authorization header must be "Bearer <token>"');
      }
      if (!('principal' in found)) {
        // its secret was right, so this is no guess and not counted against the address
        const when = new Date(found.expiredAt).toISOString();
        audit(req, 'token.refused', `API token ${found.tokenId} expired at ${when}`, `user:${found.user}`);
        throw new QalaError('ERR_TOKEN_EXPIRED', `the API token ${found.tokenId} expired at ${when}; an admin makes a new one (POST /api/tokens)`);
      }
      return { principal: found.principal, via: 'token', tokenId: found.tokenId, expiresAt: found.expiresAt };
    }
    const id = readCookie(req.headers.cookie, cookie);
    const session = id ? deps.sessions.get(id) : undefined;
    const principal = session ? deps.users.get(session.user) : undefined;
    if (!session || !principal) return undefined;
    return { principal, via: 'session', sessionKey: session.key, expiresAt: session.expiresAt };
  };

  // a login refused because too many password checks run at once may be tried again shortly (RFC 9110 §10.2.3)
  app.addHook('onError', async (_req, reply, err) => {
    if (err instanceof QalaError && err.code === 'ERR_AUTH_BUSY') void reply.header('retry-after', '1');
  });

  app.addHook('onRequest', async (req, reply) => {
    const access = req.routeOptions.config?.access;
    if (access === undefined) return; // no route: the not-found handler answers
    const upgrade = req.headers.upgrade !== undefined;
    if (upgrade || !SAFE_METHODS.has(req.method)) {
      const origin = req.headers.origin;
      const site = req.headers['sec-fetch-site'];
      const refused =
        origin !== undefined
          ? !originAllowed(origin, req.headers.host, deps.secure, deps.allowedOrigins)
          : site === 'cross-site' || site === 'same-site'; // a browser that sent no Origin still says where it came from
      if (refused) {
        // whose session a hostile page rode on, when the browser sent its cookie
        const id = readCookie(req.headers.cookie, cookie);
        const rider = id ? deps.sessions.get(id)?.user : undefined;
        audit(req, 'origin.refused', `origin ${JSON.stringify(origin ?? `(none; sec-fetch-site ${site})`)}`, rider ? `user:${rider}` : undefined);
        throw new QalaError('ERR_ORIGIN_REFUSED', `cross-site request refused: origin ${origin ?? '(none)'} is not this dashboard's (add it to QALA_ALLOWED_ORIGINS to allow it)`);
      }
    }
    if (access === 'public') return;
    req.auth = await authenticate(req, reply);
    if (!req.auth) throw new QalaError('ERR_UNAUTHENTICATED', 'log in first (POST /api/login), or send Authorization: Bearer <token>');
    const { role, name } = req.auth.principal;
    if (access !== 'user' && !access.includes(role)) {
      if (upgrade || !SAFE_METHODS.has(req.method)) audit(req, req.routeOptions.config.auditAs ?? 'api.refused', `role ${role} may not`);
      throw new QalaError('ERR_FORBIDDEN', `${name} (${role}) may not ${req.method} ${req.routeOptions.url}: it takes ${access.join(' or ')}`);
    }
  });
}
