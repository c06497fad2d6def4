// The town as the control room draws it: GET /api/town (name, clock, centre, plant,
// districts). Any logged-in user may read it.
import type { FastifyInstance } from 'fastify';
import type { TownInfo } from '../contracts/index.ts';
import { noQuery, parseQuery } from './query.ts';

export function registerGeoRoutes(app: FastifyInstance, town: TownInfo): void {
  app.get('/api/town', { config: { access: 'user', summary: 'The town as the control room draws it: name, clock, centre, plant, districts', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    return town;
  });
}
