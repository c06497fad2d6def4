// REST for incidents and rules: list with filters, get one, acknowledge and resolve
// with the operator's name and comment (each change is recorded in its history).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { IncidentManager } from '../incidents/incidents.ts';
import type { RulesService } from '../rules/rules-service.ts';

const listQuery = z
  .object({
    state: z.enum(['open', 'acknowledged', 'resolved', 'unresolved']).optional(),
    utility: z.string().optional(),
    subsystem: z.string().optional(),
    district: z.string().optional(),
    severity: z.enum(['critical', 'major', 'minor', 'warning']).optional(),
    rule: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(5000).optional(),
  })
  .strict();

const actionBody = z
  .object({
    operator: z.string().trim().min(1, 'operator: who is acting, by name').max(100),
    comment: z.string().max(2000).optional(),
  })
  .strict();

function invalid(issues: readonly { path: PropertyKey[]; message: string }[]) {
  return { error: { code: 'ERR_QUERY_INVALID', message: issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; ') } };
}

export function registerIncidentRoutes(app: FastifyInstance, incidents: IncidentManager, rules: RulesService): void {
  app.get('/api/incidents', async (req, reply) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(invalid(q.error.issues));
    const { rule, ...rest } = q.data;
    const list = incidents.list({ ...rest, ruleId: rule });
    return { count: list.length, incidents: list };
  });

  app.get<{ Params: { id: string } }>('/api/incidents/:id', async (req) => incidents.get(req.params.id));

  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post<{ Params: { id: string } }>(`/api/incidents/:id/${action}`, async (req, reply) => {
      const body = actionBody.safeParse(req.body ?? {});
      if (!body.success) return reply.code(400).send(invalid(body.error.issues));
      return action === 'acknowledge'
        ? incidents.acknowledge(req.params.id, body.data.operator, body.data.comment)
        : incidents.resolve(req.params.id, body.data.operator, body.data.comment);
    });
  }

  app.get('/api/rules', async () => ({ status: rules.watcher.status(), stats: rules.engine.stats(), rules: rules.engine.rules() }));
}
