// The town as the control room draws it: GET /api/town (name, clock, centre, plant,
// districts), GET /api/geo (its schematic map, services/geo) and GET /api/map (how
// to draw it: a tile server beneath, when the deployment has one). Any logged-in
// user may read them.
import type { FastifyInstance } from 'fastify';
import type { FeatureCollection, TownInfo } from '../contracts/index.ts';
import { noQuery, parseQuery } from './query.ts';

/** A tile server the map draws beneath the town (QALA_MAP_TILE_URL, QALA_MAP_TILE_ATTRIBUTION). */
export interface MapTiles {
  url: string;
  attribution: string;
}

export function registerGeoRoutes(app: FastifyInstance, town: TownInfo, geo: FeatureCollection, tiles: MapTiles | undefined): void {
  app.get('/api/town', { config: { access: 'user', summary: 'The town as the control room draws it: name, clock, centre, plant, districts', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    return town;
  });
  app.get('/api/geo', { config: { access: 'user', summary: "The town's schematic map as GeoJSON: district outlines (Voronoi cells of the district centres), main streets, the plant", query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    return geo;
  });
  app.get('/api/map', { config: { access: 'user', summary: 'How the control room draws its map: the tile server beneath the town (QALA_MAP_TILE_URL), or none', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    return { tiles: tiles ?? null };
  });
}
