// The town as the control room draws it: GET /api/town (name, clock, centre, plant,
// districts) and GET /api/geo (its schematic map, services/geo). Any logged-in user may read them.
import type { FastifyInstance } from 'fastify';
import type { FeatureCollection, TownInfo } from '../contracts/index.ts';
import { noQuery, parseQuery } from './query.ts';

export function registerGeoRoutes(app: FastifyInstance, town: TownInfo, geo: FeatureCollection): void {
  app.get('/api/town', { config: { access: 'user', summary: 'The town as the control room draws it: name, clock, centre, plant, districts', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    return town;
  });
  app.get('/api/geo', { config: { access: 'user', summary: "The town's schematic map as GeoJSON: district outlines (Voronoi cells of the district centres), main streets, the plant", query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    return geo;
  });
}
