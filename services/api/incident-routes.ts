// REST for incidents and rules: list with filters, get one, acknowledge and resolve
// with a comment. Who acted is the logged-in user, recorded in the incident's history
// and the audit log; a name typed by the client is refused. A utility user sees and
// acknowledges only its own utility's incidents (another's answer 404, as if absent).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SEGMENT, SUBSYSTEMS, UTILITIES } from '../../devices/index.ts';
import { QalaError, SEVERITIES, principalName, type AuditSink, type Incident, type Role } from '../contracts/index.ts';
import { principalOf } from './auth.ts';
import type { IncidentsPort, RulesPort, UserPrincipal } from './ports.ts';
import { noQuery, oneOf, parseBody, parseQuery } from './query.ts';

export const incidentListQuery = z
  .object({
    state: oneOf(['open', 'acknowledged', 'resolved', 'unresolved']).optional(),
    utility: oneOf(UTILITIES).optional(),
    subsystem: oneOf(SUBSYSTEMS).optional(),
    district: z.string().regex(SEGMENT, 'a district id such as old-town (lowercase letters, digits, - and _)').optional(),
    severity: oneOf(SEVERITIES).optional(),
    rule: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a rule id such as water-low-pressure').optional(),
    limit: z.string().regex(/^\d{1,4}$/, 'a whole number from 1 to 5000').transform(Number).pipe(z.number().min(1, 'a whole number from 1 to 5000').max(5000, 'a whole number from 1 to 5000')).optional(),
  })
  .strict();

const actionBody = z
  .object({
    comment: z.string('a comment as text').max(2000, 'a comment of at most 2000 characters').optional(),
  })
  .strict();

/** Who may take each action: operators and admins anything, a utility only acknowledges (its own). */
export const ACTION_ROLES = {
  acknowledge: ['admin', 'operator', 'utility'],
  resolve: ['admin', 'operator'],
} as const satisfies Record<'acknowledge' | 'resolve', readonly Role[]>;

/** Whether a user may see an incident at all. */
const visible = (p: UserPrincipal, i: Incident): boolean => p.role !== 'utility' || i.utility === p.utility;

export function registerIncidentRoutes(app: FastifyInstance, incidents: IncidentsPort, rules: RulesPort, audit: AuditSink): void {
  /** The incident if this user may see it; another utility's is "not found", as it is for them. */
  const getFor = (req: FastifyRequest, id: string): Incident => {
    const p = principalOf(req);
    const incident = incidents.get(id);
    if (!visible(p, incident)) throw new QalaError('ERR_INCIDENT_NOT_FOUND', `no incident ${id}`);
    return incident;
  };

  app.get('/api/incidents', { config: { access: 'user' } }, async (req) => {
    const p = principalOf(req);
    const { rule, ...rest } = parseQuery(incidentListQuery, req.query);
    if (p.role === 'utility') {
      if (rest.utility !== undefined && rest.utility !== p.utility) {
        throw new QalaError('ERR_FORBIDDEN', `${p.name} sees only the incidents of utility ${p.utility}; utility=${rest.utility} is not theirs`);
      }
      rest.utility = p.utility as (typeof UTILITIES)[number];
    }
    const list = incidents.list({ ...rest, ruleId: rule });
    return { count: list.length, incidents: list };
  });

  app.get<{ Params: { id: string } }>('/api/incidents/:id', { config: { access: 'user' } }, async (req) => {
    parseQuery(noQuery, req.query);
    return getFor(req, req.params.id);
  });

  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post<{ Params: { id: string } }>(`/api/incidents/:id/${action}`, { config: { access: ACTION_ROLES[action], auditAs: `incident.${action}` } }, async (req) => {
      parseQuery(noQuery, req.query);
      const raw = req.body as Record<string, unknown> | undefined;
      if (raw && typeof raw === 'object' && !Array.isArray(raw) && 'operator' in raw) {
        throw new QalaError('ERR_BODY_INVALID', 'operator is not accepted: the logged-in user is recorded as who acted (send only an optional comment)');
      }
      const body = parseBody(actionBody, req.body);
      const p = principalOf(req);
      const record = (outcome: 'ok' | 'refused' | 'failed', detail: Record<string, unknown>) =>
        audit.record({ who: principalName(p), action: `incident.${action}`, outcome, from: req.ip, detail: { id: req.params.id, ...detail } });
      try {
        getFor(req, req.params.id);
      } catch (err) {
        record('refused', { reason: (err as Error).message });
        throw err;
      }
      try {
        const done = action === 'acknowledge' ? incidents.acknowledge(req.params.id, p.name, body.comment) : incidents.resolve(req.params.id, p.name, body.comment);
        record('ok', body.comment ? { comment: body.comment } : {});
        return done;
      } catch (err) {
        record('failed', { reason: (err as Error).message });
        throw err;
      }
    });
  }

  app.get('/api/rules', { config: { access: 'user' } }, async (req) => {
    parseQuery(noQuery, req.query);
    return { status: rules.watcher.status(), stats: rules.engine.stats(), rules: rules.engine.rules() };
  });
}
