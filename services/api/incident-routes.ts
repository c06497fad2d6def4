// REST for incidents and rules: list with filters, get one, acknowledge and resolve
// with the operator's name and comment (each change is recorded in its history).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SEGMENT, SUBSYSTEMS, UTILITIES } from '../../devices/index.ts';
import { SEVERITIES } from '../contracts/index.ts';
import type { IncidentsPort, RulesPort } from './ports.ts';
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
    operator: z.string('who is acting, by name').trim().min(1, 'who is acting, by name').max(100, 'a name of at most 100 characters').describe('who is acting, by name'),
    comment: z.string('a comment as text').max(2000, 'a comment of at most 2000 characters').optional(),
  })
  .strict();

export function registerIncidentRoutes(app: FastifyInstance, incidents: IncidentsPort, rules: RulesPort): void {
  app.get('/api/incidents', async (req) => {
    const { rule, ...rest } = parseQuery(incidentListQuery, req.query);
    const list = incidents.list({ ...rest, ruleId: rule });
    return { count: list.length, incidents: list };
  });

  app.get<{ Params: { id: string } }>('/api/incidents/:id', async (req) => {
    parseQuery(noQuery, req.query);
    return incidents.get(req.params.id);
  });

  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post<{ Params: { id: string } }>(`/api/incidents/:id/${action}`, async (req) => {
      parseQuery(noQuery, req.query);
      const body = parseBody(actionBody, req.body);
      return action === 'acknowledge'
        ? incidents.acknowledge(req.params.id, body.operator, body.comment)
        : incidents.resolve(req.params.id, body.operator, body.comment);
    });
  }

  app.get('/api/rules', async (req) => {
    parseQuery(noQuery, req.query);
    return { status: rules.watcher.status(), stats: rules.engine.stats(), rules: rules.engine.rules() };
  });
}
