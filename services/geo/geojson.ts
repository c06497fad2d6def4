// The town's schematic map as GeoJSON (RFC 7946: positions are [longitude,
// latitude], §3.1.1; polygon rings closed and counter-clockwise, §3.1.6): district
// outlines as Voronoi cells of the district centres clipped to a circle around the
// town, main streets as the shortest tree joining the district centres and the plant,
// and the plant itself. Derived deterministically from the scenario, so every town
// has a map without a survey; it is a diagram, not a cadastre.
import type { Feature, FeatureCollection, TownInfo } from '../contracts/town.ts';

type Pt = [number, number];
const KM_PER_DEG = 111.2;
const CIRCLE_VERTICES = 48;

/** Keeps the part of a convex polygon on the side of the perpendicular bisector of a-b nearer a (Sutherland-Hodgman, one edge). */
function clipNearer(poly: Pt[], a: Pt, b: Pt): Pt[] {
  const n: Pt = [b[0] - a[0], b[1] - a[1]];
  const c = (n[0] * (a[0] + b[0])) / 2 + (n[1] * (a[1] + b[1])) / 2;
  const side = (p: Pt) => c - (n[0] * p[0] + n[1] * p[1]); // >= 0: nearer a
  const out: Pt[] = [];
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i]!;
    const q = poly[(i + 1) % poly.length]!;
    const sp = side(p);
    const sq = side(q);
    if (sp >= 0) out.push(p);
    if ((sp >= 0) !== (sq >= 0)) {
      const t = sp / (sp - sq);
      out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
    }
  }
  return out;
}

export function townGeoJson(town: TownInfo): FeatureCollection {
  const features: Feature[] = [];
  const centre = town.center ?? town.districts[0]?.center;
  if (!centre) return { type: 'FeatureCollection', features };
  const kx = KM_PER_DEG * Math.cos((centre[0] * Math.PI) / 180);
  // a local plane in km around the centre, and back to [lon, lat]
  const toKm = (ll: readonly [number, number]): Pt => [(ll[1] - centre[1]) * kx, (ll[0] - centre[0]) * KM_PER_DEG];
  const toLonLat = (p: Pt): Pt => [Math.round((centre[1] + p[0] / kx) * 1e6) / 1e6, Math.round((centre[0] + p[1] / KM_PER_DEG) * 1e6) / 1e6];
  const sites = town.districts.map((d) => ({ d, p: toKm(d.center) }));
  // the town's edge: 1.5 km beyond its farthest district centre (districts spread ~1 km per 20,000 residents, simulator/scenario.ts)
  const radius = Math.max(...sites.map((s) => Math.hypot(s.p[0], s.p[1])), 0) + 1.5;
  const circle: Pt[] = Array.from({ length: CIRCLE_VERTICES }, (_, i) => {
    const a = (2 * Math.PI * i) / CIRCLE_VERTICES;
    return [radius * Math.cos(a), radius * Math.sin(a)];
  });
  for (const s of sites) {
    let cell = circle;
    for (const o of sites) if (o !== s) cell = clipNearer(cell, s.p, o.p);
    if (cell.length < 3) continue;
    const ring = cell.map(toLonLat);
    features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]!]] }, properties: { kind: 'district', id: s.d.id, name: s.d.name, population: s.d.population } });
  }
  // main streets: the minimum spanning tree (Prim) over the district centres and the plant
  const nodes: { id: string; p: Pt }[] = sites.map((s) => ({ id: s.d.id, p: s.p }));
  if (town.plant) nodes.push({ id: 'plant', p: toKm(town.plant) });
  const inTree = new Set([0]);
  while (inTree.size < nodes.length) {
    let best: [number, number, number] | undefined;
    for (const i of inTree) {
      for (let j = 0; j < nodes.length; j++) {
        if (inTree.has(j)) continue;
        const dist = Math.hypot(nodes[i]!.p[0] - nodes[j]!.p[0], nodes[i]!.p[1] - nodes[j]!.p[1]);
        if (!best || dist < best[2]) best = [i, j, dist];
      }
    }
    inTree.add(best![1]);
    const [a, b] = [nodes[best![0]]!, nodes[best![1]]!];
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [toLonLat(a.p), toLonLat(b.p)] }, properties: { kind: 'street', from: a.id, to: b.id } });
  }
  if (town.plant) features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: toLonLat(toKm(town.plant)) }, properties: { kind: 'plant', name: 'plant' } });
  return { type: 'FeatureCollection', features };
}
