// The schematic town map: every district's outline holds its own centre and no other
// district's, streets join every district and the plant, for every built-in town.
import { describe, expect, it } from 'vitest';
import { townGeoJson } from '../../../services/geo/geojson.ts';
import { townFromScenario } from '../../../services/geo/town.ts';
import { builtInScenarios, loadScenario } from '../../../simulator/scenario.ts';

/** Ray casting over a ring of [lon, lat]. */
function inside(ring: [number, number][], lon: number, lat: number): boolean {
  let hit = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

describe('townGeoJson', () => {
  for (const name of builtInScenarios()) {
    it(`outlines each district of ${name} around its own centre only, and joins them by streets`, () => {
      const town = townFromScenario(loadScenario(name));
      const geo = townGeoJson(town);
      const districts = geo.features.filter((f) => f.properties.kind === 'district');
      expect(districts.map((f) => f.properties.id).sort()).toEqual(town.districts.map((d) => d.id).sort());
      for (const f of districts) {
        const ring = (f.geometry as { coordinates: [number, number][][] }).coordinates[0]!;
        expect(ring[0]).toEqual(ring.at(-1));
        for (const d of town.districts) expect(inside(ring, d.center[1], d.center[0])).toBe(d.id === f.properties.id);
      }
      expect(geo.features.filter((f) => f.properties.kind === 'street')).toHaveLength(town.districts.length);
      expect(geo.features.filter((f) => f.properties.kind === 'plant')).toHaveLength(1);
      expect(townGeoJson(town)).toEqual(geo);
    });
  }
});
