// REST for incidents and rules: list with filters, search the history (paged), the
// shift handover, get one, and act on one: acknowledge, resolve (a comment required),
// comment, assign. Who acted is the logged-in user, recorded in the incident's
// history and the audit log; a name typed by the client is refused. A utility user
// sees and acts on only its own utility's incidents (another's answer 404, as if
// absent); viewers and engineers only read.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SEGMENT, SUBSYSTEMS, UTILITIES } from '../../devices/index.ts';
import { QalaError, SEVERITIES, principalName, type AuditSink, type Incident, type Role } from '../contracts/index.ts';
import { principalOf } from './auth.ts';
import type { IncidentsPort, RulesPort, UserPrincipal, UsersPort } from './ports.ts';
import { noQuery, oneOf, parseBody, parseQuery } from './query.ts';

const district = z.string().regex(SEGMENT, 'a district id such as old-town (lowercase letters, digits, - and _)');
const rule = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a rule id such as water-low-pressure');
const userName = z.string('a user name').regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a user name such as aigerim.n');

/** A time in a query or body: ISO 8601 with an offset (2026-01-15T09:00:00+05:00) or milliseconds since the epoch. */
export const instant = z
  .union([z.number(), z.string()], 'a time: ISO 8601 with an offset (2026-01-15T09:00:00+05:00) or milliseconds since 1970')
  .transform((v, ctx) => {
    const ms = typeof v === 'number' ? v : /^\d{1,15}$/.test(v) ? Number(v) : z.iso.datetime({ offset: true }).safeParse(v).success ? Date.parse(v) : NaN;
    if (!Number.isSafeInteger(ms) || ms < 0) {
      ctx.addIssue({ code: 'custom', message: 'a time: ISO 8601 with an offset (2026-01-15T09:00:00+05:00) or milliseconds since 1970' });
      return z.NEVER;
    }
    return ms;
  });

const limitOf = (max: number) =>
  z.string().regex(/^\d{1,5}$/, `a whole number from 1 to ${max}`).transform(Number).pipe(z.number().min(1, `a whole number from 1 to ${max}`).max(max, `a whole number from 1 to ${max}`));

/** Filters both the list and the search take. */
const filters = {
  state: oneOf(['open', 'acknowledged', 'resolved', 'unresolved']).optional(),
  utility: oneOf(UTILITIES).optional(),
  subsystem: oneOf(SUBSYSTEMS).optional(),
  district: district.optional(),
  severity: oneOf(SEVERITIES).optional(),
  rule: rule.optional(),
};

export const incidentListQuery = z
  .object({
    ...filters,
    limit: z.string().regex(/^\d{1,4}$/, 'a whole number from 1 to 5000').transform(Number).pipe(z.number().min(1, 'a whole number from 1 to 5000').max(5000, 'a whole number from 1 to 5000')).optional(),
  })
  .strict();

/** A search page holds at most this many incidents. */
export const SEARCH_MAX = 500;

export const incidentSearchQuery = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    ...filters,
    planned: oneOf(['true', 'false']).transform((v) => v === 'true').optional(),
    assignee: userName.optional(),
    limit: limitOf(SEARCH_MAX).default(100),
    cursor: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'the `next` of a previous page, unchanged').optional(),
  })
  .strict()
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { message: 'from must come before to', path: ['to'] });

export const handoverQuery = z.object({ since: instant.describe('the time to report from (ISO 8601 with offset, or ms), such as the start of the last shift'), limit: limitOf(1000).default(200) }).strict();

const comment = z.string('a comment as text').max(10_000, 'a comment of at most 10000 characters');
const actionBody = z.object({ comment: comment.optional() }).strict();
const commentBody = z.object({ comment: comment.describe('the comment') }).strict();
const assignBody = z.object({ assignee: z.union([userName, z.null()], 'a user name, or null to unassign').describe('who takes the incident (a user name), or null'), comment: comment.optional() }).strict();

export type IncidentAction = 'acknowledge' | 'resolve' | 'comment' | 'assign';

/** Who may take each action: operators and admins anything, a utility all but resolve (on its own), viewers and engineers nothing. */
export const ACTION_ROLES = {
  acknowledge: ['admin', 'operator', 'utility'],
  resolve: ['admin', 'operator'],
  comment: ['admin', 'operator', 'utility'],
  assign: ['admin', 'operator', 'utility'],
} as const satisfies Record<IncidentAction, readonly Role[]>;

/** Whether a user may see an incident at all. */
export const visible = (p: Pick<UserPrincipal, 'role' | 'utility'>, i: Pick<Incident, 'utility'>): boolean => p.role !== 'utility' || i.utility === p.utility;

/** A utility user's filter is its own utility; naming another is refused. */
function scopeUtility<Q extends { utility?: string }>(p: UserPrincipal, q: Q): Q {
  if (p.role !== 'utility') return q;
  if (q.utility !== undefined && q.utility !== p.utility) {
    throw new QalaError('ERR_FORBIDDEN', `${p.name} sees only the incidents of utility ${p.utility}; utility=${q.utility} is not theirs`);
  }
  return { ...q, utility: p.utility };
}

export interface IncidentRouteDeps {
  incidents: IncidentsPort;
  rules: RulesPort;
  audit: AuditSink;
  /** assignees must be users who may act on the incident */
  users: Pick<UsersPort, 'get' | 'list'>;
}

export function registerIncidentRoutes(app: FastifyInstance, { incidents, rules, audit, users }: IncidentRouteDeps): void {
  /** The incident if this user may see it; another utility's is "not found", as it is for them. */
  const getFor = (req: FastifyRequest, id: string): Incident => {
    const p = principalOf(req);
    const incident = incidents.get(id);
    if (!visible(p, incident)) throw new QalaError('ERR_INCIDENT_NOT_FOUND', `no incident ${id}`);
    return incident;
  };

  app.get('/api/incidents', { config: { access: 'user', summary: 'Incidents, unresolved first, most severe first', query: incidentListQuery } }, async (req) => {
    const { rule: ruleId, ...rest } = scopeUtility(principalOf(req), parseQuery(incidentListQuery, req.query));
    const list = incidents.list({ ...rest, ruleId } as Parameters<IncidentsPort['list']>[0]);
    return { count: list.length, incidents: list };
  });

  app.get('/api/incidents/search', { config: { access: 'user', summary: 'Search the incident history by time and filters, a page at a time', query: incidentSearchQuery } }, async (req) => {
    const { rule: ruleId, ...rest } = scopeUtility(principalOf(req), parseQuery(incidentSearchQuery, req.query));
    return incidents.search({ ...rest, ...(ruleId ? { ruleId } : {}) });
  });

  app.get('/api/incidents/handover', { config: { access: 'user', summary: 'Shift handover: incidents opened or changed since a time, and those still open', query: handoverQuery } }, async (req) => {
    const p = principalOf(req);
    const q = parseQuery(handoverQuery, req.query);
    return incidents.handover(q.since, { limit: q.limit, ...(p.role === 'utility' && p.utility ? { utility: p.utility } : {}) });
  });

  app.get<{ Params: { id: string } }>('/api/incidents/:id', { config: { access: 'user', summary: 'One incident with its history', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    return getFor(req, req.params.id);
  });

  /** Who may be given an incident: an admin or operator, or a user of its own utility. */
  const mayTake = (u: { role: Role; utility?: string }, incident: Incident): boolean => (['admin', 'operator'] as Role[]).includes(u.role) || (u.role === 'utility' && u.utility === incident.utility);
  const checkAssignee = (name: string, incident: Incident): void => {
    const u = users.get(name);
    if (!u) throw new QalaError('ERR_ASSIGNEE_INVALID', `no user "${name}" to assign ${incident.id} to`);
    if (!mayTake(u, incident)) {
      throw new QalaError('ERR_ASSIGNEE_INVALID', `${name} (${u.role}${u.utility ? ` of ${u.utility}` : ''}) may not act on ${incident.id} of utility ${incident.utility}; assign an operator, an admin or a ${incident.utility} user`);
    }
  };

  // the control room's assignee picker: names and roles only, for those who may assign
  app.get<{ Params: { id: string } }>('/api/incidents/:id/assignees', { config: { access: ACTION_ROLES.assign, summary: 'The users an incident may be assigned to (those who may act on it)', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    const incident = getFor(req, req.params.id);
    const list = users
      .list()
      .filter((u) => mayTake(u, incident))
      .map((u) => ({ name: u.name, role: u.role, ...(u.utility ? { utility: u.utility } : {}) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { count: list.length, users: list };
  });

  // each action's body is checked before the incident is looked up (a malformed request is 400 whatever its id)
  const act = {
    acknowledge: (raw: unknown) => {
      const { comment } = parseBody(actionBody, raw);
      return (id: string, by: string) => incidents.acknowledge(id, by, comment);
    },
    resolve: (raw: unknown) => {
      const { comment } = parseBody(actionBody, raw);
      return (id: string, by: string) => {
        // a person who closes an incident says what was done: the history is the record of the fault
        if (!comment?.trim()) throw new QalaError('ERR_COMMENT_REQUIRED', 'resolving needs a comment: say what was done or found (send {"comment": "..."})');
        return incidents.resolve(id, by, comment);
      };
    },
    comment: (raw: unknown) => {
      const { comment } = parseBody(commentBody, raw);
      return (id: string, by: string) => incidents.comment(id, by, comment);
    },
    assign: (raw: unknown) => {
      const body = parseBody(assignBody, raw);
      return (id: string, by: string, incident: Incident) => {
        if (body.assignee !== null) checkAssignee(body.assignee, incident);
        return incidents.assign(id, by, body.assignee ?? undefined, body.comment);
      };
    },
  } satisfies Record<IncidentAction, (raw: unknown) => (id: string, by: string, incident: Incident) => Incident>;

  /** Each action's line in the API document and the body its handler parses. */
  const ACTION_DOCS = {
    acknowledge: { summary: 'Acknowledge an incident (stops its escalation), with an optional comment', body: actionBody },
    resolve: { summary: 'Resolve an incident; a comment saying what was done is required', body: actionBody },
    comment: { summary: 'Add a comment to an incident', body: commentBody },
    assign: { summary: 'Assign an incident to a user who may act on it (null unassigns)', body: assignBody },
  } satisfies Record<IncidentAction, { summary: string; body: z.ZodType }>;

  for (const action of Object.keys(ACTION_ROLES) as IncidentAction[]) {
    app.post<{ Params: { id: string } }>(`/api/incidents/:id/${action}`, { config: { access: ACTION_ROLES[action], auditAs: `incident.${action}`, ...ACTION_DOCS[action], query: noQuery } }, async (req) => {
      parseQuery(noQuery, req.query);
      const raw = req.body as Record<string, unknown> | undefined;
      if (raw && typeof raw === 'object' && !Array.isArray(raw) && 'operator' in raw) {
        throw new QalaError('ERR_BODY_INVALID', 'operator is not accepted: the logged-in user is recorded as who acted');
      }
      const run = act[action](req.body);
      const p = principalOf(req);
      const record = (outcome: 'ok' | 'refused' | 'failed', detail: Record<string, unknown>) =>
        audit.record({ who: principalName(p), action: `incident.${action}`, outcome, from: req.ip, detail: { id: req.params.id, ...detail } });
      let incident: Incident;
      try {
        incident = getFor(req, req.params.id);
      } catch (err) {
        record('refused', { reason: (err as Error).message });
        throw err;
      }
      try {
        const done = run(req.params.id, p.name, incident);
        const last = done.history[done.history.length - 1];
        record('ok', { ...(last?.comment ? { comment: last.comment } : {}), ...(action === 'assign' ? { assignee: done.assignee ?? null } : {}) });
        return done;
      } catch (err) {
        record(err instanceof QalaError && err.status < 500 ? 'refused' : 'failed', { reason: (err as Error).message });
        throw err;
      }
    });
  }

  app.get('/api/rules', { config: { access: 'user', summary: "The live rule set, engine counters and the rule file's last load error", query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    return { status: rules.watcher.status(), stats: rules.engine.stats(), rules: rules.engine.rules() };
  });
}
