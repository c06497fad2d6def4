// Users and API tokens, for admins: list, add and remove users; create and revoke
// tokens (a token acts as its user, with the user's role). A generated password and a
// new token are in the answer once and never again. Removing a user or revoking a
// token ends what rests on it at once: sessions, /live and /mqtt websockets.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { UTILITIES } from '../../devices/index.ts';
import { ROLES } from '../contracts/index.ts';
import { actorOf, principalOf } from './auth.ts';
import type { SessionsPort, UsersPort } from './ports.ts';
import { noQuery, oneOf, parseBody, parseQuery } from './query.ts';
import type { WsSessions } from './ws-sessions.ts';

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const name = z.string('a user name').regex(NAME, 'lowercase letters, digits, ".", "_" and "-", at most 64, such as aigerim.n').describe('the user name');

const newUser = z
  .object({
    name,
    role: oneOf(ROLES).describe(`the role, one of ${ROLES.join(', ')}`),
    utility: oneOf(UTILITIES).optional().describe(`the utility of a utility user, one of ${UTILITIES.join(', ')}`),
    password: z.string('a password as text').min(12, 'a password of at least 12 characters').max(256, 'a password of at most 256 characters').optional().describe('a password (default: one is made and shown once)'),
  })
  .strict()
  .refine((u) => (u.role === 'utility') === (u.utility !== undefined), { message: `a utility user needs its utility (one of ${UTILITIES.join(', ')}), and only a utility user has one`, path: ['utility'] });

/** A new token's body; its lifetime is bounded by QALA_TOKEN_MAX_DAYS, so the schema is made from the store's. */
const newToken = (days: { default: number; max: number }) =>
  z
    .object({
      user: name.optional().describe('whose token (default: yours)'),
      label: z.string('a label as text').trim().min(1, 'what the token is for, such as "prometheus"').max(100, 'a label of at most 100 characters').describe('what the token is for, such as "prometheus"'),
      expiresInDays: z
        .number('a whole number of days')
        .int('a whole number of days')
        .min(1, 'at least 1 day')
        .max(days.max, `at most ${days.max} days (QALA_TOKEN_MAX_DAYS)`)
        .optional()
        .describe(`days the token stays valid, 1 to ${days.max} (default ${days.default}, QALA_TOKEN_DEFAULT_DAYS); after it the token is refused with ERR_TOKEN_EXPIRED`),
    })
    .strict();

const tokenQuery = z.object({ user: name.optional() }).strict();
const ADMIN = ['admin'] as const;

export function registerUserRoutes(app: FastifyInstance, users: UsersPort, sessions: SessionsPort, sockets: WsSessions): void {
  users.onChange((change) => {
    if (change.type === 'user-removed') {
      sessions.closeUser(change.user);
      sockets.closeUser(change.user, 'user removed');
    } else if (change.type === 'token-revoked') sockets.closeToken(change.tokenId);
  });

  app.get('/api/users', { config: { access: ADMIN, summary: 'Users and their roles', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    const list = users.list();
    return { count: list.length, users: list };
  });

  app.post('/api/users', { config: { access: ADMIN, auditAs: 'user.add', summary: 'Add a user (a made password is shown once)', query: noQuery, body: newUser } }, async (req, reply) => {
    parseQuery(noQuery, req.query);
    const body = parseBody(newUser, req.body);
    const { user, password } = await users.add(body, actorOf(req));
    void reply.code(201);
    // a password the admin chose is not sent back; a made one is shown this once
    return { user, ...(body.password === undefined ? { password } : {}) };
  });

  app.delete<{ Params: { name: string } }>('/api/users/:name', { config: { access: ADMIN, auditAs: 'user.remove', summary: 'Remove a user, ending their sessions, tokens and websockets', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    return { removed: users.remove(req.params.name, actorOf(req)) };
  });

  app.get('/api/tokens', { config: { access: ADMIN, summary: 'API tokens with their expiry (never the secrets)', query: tokenQuery } }, async (req) => {
    const q = parseQuery(tokenQuery, req.query);
    const list = users.tokens(q.user);
    return { count: list.length, tokens: list };
  });

  const tokenBody = newToken(users.tokenDays);
  app.post('/api/tokens', { config: { access: ADMIN, auditAs: 'token.create', summary: 'Create an API token (shown once) that expires after expiresInDays', query: noQuery, body: tokenBody } }, async (req, reply) => {
    parseQuery(noQuery, req.query);
    const body = parseBody(tokenBody, req.body);
    const { token, info } = await users.createToken(body.user ?? principalOf(req).name, body.label, actorOf(req), body.expiresInDays);
    void reply.code(201);
    return { token, ...info };
  });

  app.delete<{ Params: { id: string } }>('/api/tokens/:id', { config: { access: ADMIN, auditAs: 'token.revoke', summary: 'Revoke an API token, closing what it opened', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    return { revoked: users.revokeToken(req.params.id, actorOf(req)) };
  });
}
