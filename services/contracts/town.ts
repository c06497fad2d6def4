// The town as the control room draws it (GET /api/town, GET /api/geo).

export interface TownDistrict {
  id: string;
  name: string;
  center: [number, number];
  population: number;
}

export interface TownInfo {
  id: string;
  name: string;
  /** minutes east of UTC: the town's wall clock */
  utcOffsetMinutes: number;
  center?: [number, number];
  plant?: [number, number];
  districts: TownDistrict[];
}

/** GeoJSON (RFC 7946) as GET /api/geo serves it: [longitude, latitude] positions. */
export interface Feature {
  type: 'Feature';
  geometry: { type: 'Polygon'; coordinates: [number, number][][] } | { type: 'LineString'; coordinates: [number, number][] } | { type: 'Point'; coordinates: [number, number] };
  properties: Record<string, string | number>;
}
export interface FeatureCollection {
  type: 'FeatureCollection';
  features: Feature[];
}

