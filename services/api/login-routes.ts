// Logging in and out: POST /api/login sets the session cookie, POST /api/logout ends
// the session (and its websockets), GET /api/me says who is logged in, POST
// /api/me/password changes one's own password (ending one's other sessions). Failed
// logins are limited per remote address and per user name, with 429 and Retry-After.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { QalaError, principalName, type AuditSink } from '../contracts/index.ts';
import { actorOf, limiterKeys, principalOf, refuseIfLimited } from './auth.ts';
import { clearedCookie, sessionCookie } from './cookies.ts';
import type { SessionsPort, UsersPort } from './ports.ts';
import { noQuery, parseBody, parseQuery } from './query.ts';
import type { FailureLimiter } from './rate-limit.ts';
import type { WsSessions } from './ws-sessions.ts';

export interface LoginRoutesDeps {
  town: string;
  users: UsersPort;
  sessions: SessionsPort;
  audit: AuditSink;
  limiter: FailureLimiter;
  sockets: WsSessions;
  secure: boolean;
}

const loginBody = z
  .object({
    name: z.string('the user name').min(1, 'the user name').max(100, 'a name of at most 100 characters').describe('the user name'),
    password: z.string('the password').min(1, 'the password').max(256, 'a password of at most 256 characters').describe('the password'),
  })
  .strict();

const passwordBody = z
  .object({
    current: z.string('the current password').max(256).describe('the current password'),
    password: z.string('the new password').describe('the new password, 12 to 256 characters'),
  })
  .strict();

export function registerLoginRoutes(app: FastifyInstance, d: LoginRoutesDeps): void {
  app.post('/api/login', { config: { access: 'public', summary: 'Log in: sets the session cookie', query: noQuery, body: loginBody } }, async (req, reply) => {
    parseQuery(noQuery, req.query);
    const { name, password } = parseBody(loginBody, req.body);
    const keys = limiterKeys(req.ip, name);
    const who = `user:${name.slice(0, 100)}`;
    try {
      refuseIfLimited(d.limiter, reply, keys, 'logins');
    } catch (err) {
      d.audit.record({ who, action: 'login', outcome: 'refused', from: req.ip, detail: { reason: 'rate limited' } });
      throw err;
    }
    const p = await d.users.verifyPassword(name, password);
    if (!p) {
      for (const k of keys) d.limiter.fail(k);
      d.audit.record({ who, action: 'login', outcome: 'failed', from: req.ip, detail: { reason: 'unknown user or wrong password' } });
      throw new QalaError('ERR_LOGIN_FAILED', 'wrong user name or password');
    }
    const { id, session } = d.sessions.create(p.name);
    d.audit.record({ who: principalName(p), action: 'login', outcome: 'ok', from: req.ip });
    void reply.header('set-cookie', sessionCookie(d.secure, id, session.expiresAt - session.createdAt));
    return { user: p, expiresAt: session.expiresAt };
  });

  app.post('/api/logout', { config: { access: 'user', summary: 'Log out: ends this session and its websockets', query: noQuery } }, async (req, reply) => {
    parseQuery(noQuery, req.query);
    const auth = req.auth!;
    if (auth.sessionKey) {
      d.sessions.close(auth.sessionKey);
      d.sockets.closeSession(auth.sessionKey);
    }
    d.audit.record({ who: principalName(auth.principal), action: 'logout', outcome: 'ok', from: req.ip, detail: { via: auth.via } });
    void reply.header('set-cookie', clearedCookie(d.secure));
    return { loggedOut: auth.via === 'session' };
  });

  app.get('/api/me', { config: { access: 'user', summary: 'Who is logged in', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    const auth = req.auth!;
    return { user: auth.principal, via: auth.via, town: d.town, ...(auth.expiresAt ? { expiresAt: auth.expiresAt } : {}) };
  });

  app.post('/api/me/password', { config: { access: 'user', auditAs: 'user.password', summary: "Change one's own password (ends one's other sessions)", query: noQuery, body: passwordBody } }, async (req, reply) => {
    parseQuery(noQuery, req.query);
    const body = parseBody(passwordBody, req.body);
    const p = principalOf(req);
    const keys = limiterKeys(req.ip, p.name);
    refuseIfLimited(d.limiter, reply, keys, 'password checks');
    if (!(await d.users.verifyPassword(p.name, body.current))) {
      for (const k of keys) d.limiter.fail(k);
      d.audit.record({ who: principalName(p), action: 'user.password', outcome: 'failed', from: req.ip, detail: { reason: 'wrong current password' } });
      throw new QalaError('ERR_LOGIN_FAILED', 'the current password is wrong');
    }
    await d.users.setPassword(p.name, body.password, actorOf(req));
    // other sessions of this user end; this one stays
    for (const s of d.sessions.closeUser(p.name, req.auth!.sessionKey)) d.sockets.closeSession(s.key, 'password changed');
    return { changed: true };
  });
}
