// GET /api/kpis?from=&to= (the city indicators over a range) and GET
// /api/kpis/freeze (time to freeze of open heating outages): read routes for any
// logged-in user, like /api/series. The range is bounded (QALA_KPI_MAX_RANGE_DAYS).
// The indicators are the city's, the same for every user (ISO 37120 publishes them
// for the whole city: figures only, no device, incident or position); the time to
// freeze lists heat's open incidents, so a utility user gets its own utility's only.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { QalaError } from '../contracts/errors.ts';
import { principalOf } from './auth.ts';
import type { KpisPort } from './ports.ts';
import { utilityScope } from './scope.ts';
import { noQuery, parseQuery } from './query.ts';
import { instant } from './series-query.ts';

/** The range when none is asked: the last seven days. */
export const DEFAULT_KPI_RANGE_MS = 7 * 86_400_000;

export const kpiQuerySchema = z.object({ from: instant.optional(), to: instant.optional() }).strict();

/** The range asked (to defaults to now, from to seven days before), or ERR_QUERY_INVALID. */
export function resolveKpiRange(raw: unknown, now: number, maxRangeDays: number): { from: number; to: number } {
  const q = parseQuery(kpiQuerySchema, raw);
  const to = q.to ?? now;
  const from = q.from ?? to - Math.min(DEFAULT_KPI_RANGE_MS, maxRangeDays * 86_400_000);
  if (from >= to) throw new QalaError('ERR_QUERY_INVALID', `from (${from}) must be before to (${to})`);
  if (to - from > maxRangeDays * 86_400_000) {
    throw new QalaError('ERR_QUERY_INVALID', `the range from ${from} to ${to} spans ${((to - from) / 86_400_000).toFixed(1)} days; at most ${maxRangeDays} (QALA_KPI_MAX_RANGE_DAYS)`);
  }
  return { from, to };
}

export function registerKpiRoutes(app: FastifyInstance, kpis: KpisPort, opts: { now: () => number; maxRangeDays: number }): void {
  app.get('/api/kpis', { config: { access: 'user', summary: 'The city indicators over a range (default: the last seven days)', query: kpiQuerySchema } }, async (req) => kpis.report(resolveKpiRange(req.query, opts.now(), opts.maxRangeDays)));
  app.get('/api/kpis/freeze', { config: { access: 'user', summary: "Time to freeze of the open heating outages (a utility user: its own utility's)", query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    // the outages are heat's incidents: a user of another utility does not see them, as it does not see the incidents (scope.ts)
    const utility = utilityScope(principalOf(req));
    return kpis.freeze(utility !== undefined ? { utility } : {});
  });
}
