// REST for silences (maintenance windows) and the escalation policies in force.
// Operators and admins silence anything; a utility user only its own utility's
// incidents (its silence always matches its utility) and sees only its own
// silences; viewers and engineers read. Every change is audited with who and why.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SEGMENT, UTILITIES } from '../../devices/index.ts';
import { QalaError, principalName, type AuditSink, type Role, type Silence } from '../contracts/index.ts';
import { principalOf } from './auth.ts';
import { instant } from './incident-routes.ts';
import type { EscalationPort, SilencesPort } from './ports.ts';
import { noQuery, oneOf, parseBody, parseQuery } from './query.ts';

const DAY = 86_400_000;
/** A silence may reach this far ahead (a year of weekly planned works). */
export const SILENCE_MAX_SPAN_MS = 366 * DAY;

export const silenceBody = z
  .object({
    match: z
      .object({
        utility: oneOf(UTILITIES).optional(),
        district: z.string().regex(SEGMENT, 'a district id such as old-town').optional(),
        device: z.string().regex(SEGMENT, 'a device id such as wp-0001').optional(),
        ruleId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a rule id such as water-low-pressure').optional(),
      })
      .strict()
      .refine((m) => Object.keys(m).length > 0, 'at least one of utility, district, device, ruleId: a silence of everything is refused')
      .describe('what it silences: utility, district, device, ruleId (all given must match)'),
    startsAt: instant.describe('when it starts (ISO 8601 with offset, or ms)'),
    endsAt: instant.describe('when it ends for good (ISO 8601 with offset, or ms)'),
    recurrence: z
      .object({
        freq: oneOf(['daily', 'weekly']),
        byDay: z.array(z.number().int().min(0).max(6), 'weekdays 0 (Sunday) to 6 (Saturday)').min(1).max(7).optional(),
        durationMs: z.number().int().min(60_000, 'a window of at least a minute (60000 ms)').max(7 * DAY, 'a window of at most a week'),
        utcOffsetMinutes: z.number().int().min(-720).max(840).optional(),
      })
      .strict()
      .refine((r) => r.freq === 'weekly' || r.byDay === undefined, { message: 'byDay is for weekly recurrence', path: ['byDay'] })
      .refine((r) => r.freq === 'weekly' || r.durationMs <= DAY, { message: 'a daily window lasts at most a day (86400000 ms)', path: ['durationMs'] })
      .optional()
      .describe('repeat: { freq: daily|weekly, byDay?: [0-6], durationMs, utcOffsetMinutes? }'),
    comment: z.string('why, as text').trim().min(1, 'why: the planned works or the reason').max(2000, 'at most 2000 characters').describe('why (planned works order, reason)'),
  })
  .strict()
  .refine((b) => b.startsAt < b.endsAt, { message: 'endsAt must come after startsAt', path: ['endsAt'] })
  .refine((b) => b.endsAt - b.startsAt <= SILENCE_MAX_SPAN_MS, { message: 'a silence spans at most 366 days', path: ['endsAt'] });

const silenceList = z.object({ state: oneOf(['active', 'pending', 'expired']).optional() }).strict();

export const SILENCE_ROLES = ['admin', 'operator', 'utility'] as const satisfies readonly Role[];

export function registerSilenceRoutes(app: FastifyInstance, silences: SilencesPort, escalation: EscalationPort, audit: AuditSink): void {
  const mine = (req: FastifyRequest, s: Silence): boolean => {
    const p = principalOf(req);
    return p.role !== 'utility' || s.match.utility === p.utility;
  };

  app.get('/api/silences', { config: { access: 'user', summary: 'Silences and maintenance windows (a utility user sees its own)', query: silenceList } }, async (req) => {
    const q = parseQuery(silenceList, req.query);
    const list = silences.list().filter((s) => mine(req, s) && (!q.state || s.state === q.state));
    return { count: list.length, silences: list };
  });

  app.post('/api/silences', { config: { access: SILENCE_ROLES, auditAs: 'silence.add', summary: 'Add a silence or a recurring maintenance window', query: noQuery, body: silenceBody } }, async (req, reply) => {
    parseQuery(noQuery, req.query);
    const p = principalOf(req);
    const record = (outcome: 'ok' | 'refused', detail: Record<string, unknown>) => audit.record({ who: principalName(p), action: 'silence.add', outcome, from: req.ip, detail });
    try {
      const body = parseBody(silenceBody, req.body);
      if (p.role === 'utility') {
        if (body.match.utility !== undefined && body.match.utility !== p.utility) {
          throw new QalaError('ERR_FORBIDDEN', `${p.name} may silence only utility ${p.utility}; match.utility=${body.match.utility} is not theirs`);
        }
        body.match.utility = p.utility as (typeof UTILITIES)[number];
      }
      const s = silences.add({ ...body, ...(body.recurrence ? { recurrence: body.recurrence } : {}) }, p.name);
      record('ok', { id: s.id, match: s.match, startsAt: s.startsAt, endsAt: s.endsAt, ...(s.recurrence ? { recurrence: s.recurrence } : {}), comment: s.comment });
      void reply.code(201);
      return s;
    } catch (err) {
      record('refused', { reason: (err as Error).message });
      throw err;
    }
  });

  app.delete<{ Params: { id: string } }>('/api/silences/:id', { config: { access: SILENCE_ROLES, auditAs: 'silence.expire', summary: 'End a silence now', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    const p = principalOf(req);
    const record = (outcome: 'ok' | 'refused', detail: Record<string, unknown>) => audit.record({ who: principalName(p), action: 'silence.expire', outcome, from: req.ip, detail: { id: req.params.id, ...detail } });
    try {
      const s = silences.get(req.params.id);
      if (!mine(req, s)) throw new QalaError('ERR_SILENCE_NOT_FOUND', `no silence "${req.params.id}"`);
      const done = silences.expire(req.params.id, p.name);
      record('ok', {});
      return done;
    } catch (err) {
      record('refused', { reason: (err as Error).message });
      throw err;
    }
  });

  app.get('/api/escalation', { config: { access: 'user', summary: 'The escalation policies per utility', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    return { configured: escalation.file !== undefined, policies: escalation.policies };
  });
}
