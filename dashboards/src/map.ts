// The town map: every located device as a dot, coloured by its state (normal, out
// of its normal band, in an open incident, offline, no recent data). A tile's
// out-of-normal count filters it to those devices; a picked incident highlights
// its devices. Devices report their location in their birth message.
import type { DeviceState, FeatureCollection } from '../../services/contracts/index.ts';
import { reportEveryMs, type Kinds } from './format.ts';
import { num, t, tOr } from './i18n/i18n.ts';
import { api } from './session.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';
const W = 1000;
const H = 560;

export type DeviceLook = 'incident' | 'offline' | 'stale' | 'out' | 'ok';
export const LOOKS: readonly DeviceLook[] = ['ok', 'out', 'incident', 'offline', 'stale'];

export function look(d: DeviceState, inIncident: boolean, kinds: Kinds, now: number): DeviceLook {
  if (inIncident) return 'incident';
  if (!d.online) return 'offline';
  const spec = kinds.get(d.kind);
  if (now - d.ts > reportEveryMs(spec)) return 'stale';
  for (const [m, v] of Object.entries(d.metrics)) {
    const n = spec?.metrics[m]?.normal;
    if (n && (v < n[0] || v > n[1])) return 'out';
  }
  return 'ok';
}

export type MapFilter = { subsystem: string; look: 'out' } | undefined;

export interface TownMapDeps {
  kinds: Kinds;
  now: () => number;
  incidentDevices: () => Set<string>;
  districtName: (id: string) => string;
  /** district outlines, main streets and the plant (GET /api/geo) */
  geo: FeatureCollection;
}

export class TownMap {
  readonly #deps: TownMapDeps;
  #devices: DeviceState[] = [];
  #filter: MapFilter;
  #highlight = new Set<string>();
  #timer: number | undefined;

  constructor(deps: TownMapDeps) {
    this.#deps = deps;
    document.getElementById('map')!.setAttribute('viewBox', `0 0 ${W} ${H}`);
    document.getElementById('map-clear')!.addEventListener('click', () => this.setFilter(undefined));
  }

  start(everyMs = 3000): void {
    const refresh = async () => {
      try {
        const res = await api('/api/devices');
        if (res.ok) this.#devices = ((await res.json()) as { devices: DeviceState[] }).devices;
        this.draw();
      } finally {
        this.#timer = window.setTimeout(() => void refresh(), everyMs);
      }
    };
    void refresh();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  setFilter(f: MapFilter): void {
    this.#filter = f;
    const bar = document.getElementById('map-filter')!;
    bar.hidden = !f;
    if (f) bar.querySelector('.what')!.textContent = t('map.filter', { what: `${tOr(`subsystem.${f.subsystem}`, f.subsystem)} · ${t('map.out')}` });
    this.draw();
  }

  highlight(devices: readonly string[]): void {
    this.#highlight = new Set(devices);
    this.draw();
  }

  draw(): void {
    const svg = document.getElementById('map') as unknown as SVGSVGElement;
    const now = this.#deps.now();
    const incidentDevices = this.#deps.incidentDevices();
    const located = this.#devices.filter((d) => d.location);
    svg.replaceChildren();
    const counts: Record<DeviceLook, number> = { ok: 0, out: 0, incident: 0, offline: 0, stale: 0 };
    const outline: [number, number][] = [];
    for (const f of this.#deps.geo.features) {
      const g = f.geometry;
      if (g.type === 'Polygon') outline.push(...g.coordinates[0]!);
      else if (g.type === 'LineString') outline.push(...g.coordinates);
      else outline.push(g.coordinates);
    }
    if (located.length > 0 || outline.length > 0) {
      // frame the devices and the plant (the outlines run on to the town's edge, cut by the frame); the outlines alone when no device is located yet
      const plant = this.#deps.geo.features.flatMap((f) => (f.geometry.type === 'Point' ? [f.geometry.coordinates] : []));
      const frame = located.length ? [...located.map((d): [number, number] => [d.location![1], d.location![0]]), ...plant] : outline;
      const lats = frame.map((c) => c[1]);
      const lons = frame.map((c) => c[0]);
      const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
      const kx = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180); // keep the town's true shape
      const scale = Math.min((W - 60) / Math.max((maxLon - minLon) * kx, 1e-6), (H - 60) / Math.max(maxLat - minLat, 1e-6));
      const x = (lon: number) => 30 + (lon - minLon) * kx * scale;
      const y = (lat: number) => H - 30 - (lat - minLat) * scale;
      // the town beneath the devices: district outlines, main streets, the plant
      for (const f of this.#deps.geo.features) {
        const g = f.geometry;
        if (g.type === 'Point') {
          const r = document.createElementNS(SVG_NS, 'rect');
          r.setAttribute('x', (x(g.coordinates[0]) - 9).toFixed(1));
          r.setAttribute('y', (y(g.coordinates[1]) - 9).toFixed(1));
          r.setAttribute('width', '18');
          r.setAttribute('height', '18');
          r.setAttribute('class', 'plant');
          const title = document.createElementNS(SVG_NS, 'title');
          title.textContent = t('map.plant');
          r.appendChild(title);
          svg.appendChild(r);
          continue;
        }
        const coords = g.type === 'Polygon' ? g.coordinates[0]! : g.coordinates;
        const el = document.createElementNS(SVG_NS, g.type === 'Polygon' ? 'polygon' : 'polyline');
        el.setAttribute('points', coords.map(([lon, lat]) => `${x(lon).toFixed(1)},${y(lat).toFixed(1)}`).join(' '));
        el.setAttribute('class', String(f.properties.kind));
        if (f.properties.id) el.dataset.district = String(f.properties.id);
        svg.appendChild(el);
      }
      const byDistrict = new Map<string, { x: number; y: number; n: number }>();
      const order: DeviceLook[] = ['ok', 'stale', 'offline', 'out', 'incident'];
      const dots = located.map((d) => ({ d, look: look(d, incidentDevices.has(d.deviceId), this.#deps.kinds, now) })).sort((a, b) => order.indexOf(a.look) - order.indexOf(b.look));
      for (const { d, look: l } of dots) {
        counts[l]++;
        const agg = byDistrict.get(d.district) ?? { x: 0, y: 0, n: 0 };
        agg.x += x(d.location![1]);
        agg.y += y(d.location![0]);
        agg.n++;
        byDistrict.set(d.district, agg);
        const dimmed = (this.#filter && !(d.subsystem === this.#filter.subsystem && l === 'out')) || (this.#highlight.size > 0 && !this.#highlight.has(d.deviceId));
        const c = document.createElementNS(SVG_NS, 'circle');
        c.setAttribute('cx', x(d.location![1]).toFixed(1));
        c.setAttribute('cy', y(d.location![0]).toFixed(1));
        c.setAttribute('r', l === 'incident' || this.#highlight.has(d.deviceId) ? '7' : '4');
        c.setAttribute('class', `dot ${l}${dimmed ? ' dimmed' : ''}${this.#highlight.has(d.deviceId) ? ' highlight' : ''}`);
        c.dataset.device = d.deviceId;
        c.dataset.subsystem = d.subsystem;
        const title = document.createElementNS(SVG_NS, 'title');
        title.textContent = `${d.deviceId} · ${tOr(`kind.${d.kind}`, d.kind)} · ${this.#deps.districtName(d.district)} · ${t(`map.${l}`)}`;
        c.appendChild(title);
        svg.appendChild(c);
      }
      // district names above their devices, on a halo, drawn last so dots never cover them
      for (const [district, a] of byDistrict) {
        const label = document.createElementNS(SVG_NS, 'text');
        label.setAttribute('x', (a.x / a.n).toFixed(0));
        label.setAttribute('y', (a.y / a.n).toFixed(0));
        label.setAttribute('class', 'district');
        label.dataset.district = district;
        label.textContent = this.#deps.districtName(district);
        svg.appendChild(label);
      }
    }
    for (const k of LOOKS) {
      const el = document.querySelector(`#map-legend [data-look="${k}"]`)!;
      el.querySelector('.n')!.textContent = num(counts[k], 0);
      el.querySelector('.l')!.textContent = t(`map.${k}`);
    }
  }
}
