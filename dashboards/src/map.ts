// The town map, drawn with Leaflet from the platform's own data: the district
// outlines, main streets and plant (GET /api/geo) beneath every located device, an
// icon per kind on a disc coloured by its state (normal, out of its normal band,
// in an open incident, offline, no recent data). Devices cluster when zoomed out
// (leaflet.markercluster; a cluster takes the colour of its worst device); labels
// are culled so none covers another (map-labels.ts). No tile server by default, so
// the map needs no internet; a deployment may put one beneath (GET /api/map).
// A tile's out-of-normal count filters the map to those devices; a picked incident
// highlights its devices and brings them into view; a click on a device opens its
// panel. Devices report their location in their birth message.
import L from 'leaflet';
import 'leaflet.markercluster';
import type { DeviceState, Feature, FeatureCollection } from '../../services/contracts/index.ts';
import { kindLabel, reportEveryMs, type Kinds } from './format.ts';
import { currentLang, num, t, tOr } from './i18n/i18n.ts';
import { PLANT_SVG, glyphSvg } from './map-icons.ts';
import { declutter, ringCentre } from './map-labels.ts';
import { api } from './session.ts';

export type DeviceLook = 'incident' | 'offline' | 'stale' | 'out' | 'ok';
export const LOOKS: readonly DeviceLook[] = ['ok', 'out', 'incident', 'offline', 'stale'];
/** Worst first: a cluster shows the first of these that any of its devices has. */
const SEVERITY: readonly DeviceLook[] = ['incident', 'out', 'offline', 'stale', 'ok'];

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

/** A tile server beneath the town (GET /api/map), when the deployment has one. */
export interface MapTiles {
  url: string;
  attribution: string;
}

/** From this zoom every device stands alone (no clusters), and device labels show. */
export const UNCLUSTERED_ZOOM = 17;
const MAX_ZOOM = 19;

export interface TownMapDeps {
  kinds: Kinds;
  now: () => number;
  incidentDevices: () => Set<string>;
  districtName: (id: string) => string;
  /** district outlines, main streets and the plant (GET /api/geo) */
  geo: FeatureCollection;
  tiles: MapTiles | null;
  /** a device was clicked (or chosen with the keyboard) */
  onDevice?: (deviceId: string) => void;
}

interface Entry {
  marker: L.Marker;
  d: DeviceState;
  look: DeviceLook;
  /** what its icon was drawn from; a new icon only when this changes */
  key: string;
  shown: boolean;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class TownMap {
  readonly #deps: TownMapDeps;
  readonly #map: L.Map;
  readonly #cluster: L.MarkerClusterGroup;
  readonly #entries = new Map<string, Entry>();
  readonly #byMarker = new WeakMap<L.Marker, Entry>();
  readonly #districtLabels: { el: () => HTMLElement | undefined; population: number }[] = [];
  #zoom: L.Control.Zoom | undefined;
  /** the district centres and the plant: the town's frame (the outlines run on to its edge) */
  readonly #landmarks: L.LatLng[] = [];
  #filter: MapFilter;
  #highlight = new Set<string>();
  /** a highlight waits for its devices' positions before it brings them into view */
  #pendingFit = false;
  /** framed with its devices: later refreshes leave the view to the operator */
  #fitted = false;
  #timer: number | undefined;

  constructor(deps: TownMapDeps) {
    this.#deps = deps;
    const box = document.getElementById('map')!;
    this.#map = L.map(box, { zoomControl: false, attributionControl: false, zoomSnap: 0.25, minZoom: 8, maxZoom: MAX_ZOOM });
    if (deps.tiles) {
      L.tileLayer(deps.tiles.url, { maxZoom: MAX_ZOOM, attribution: escapeHtml(deps.tiles.attribution) }).addTo(this.#map);
      if (deps.tiles.attribution) L.control.attribution({ prefix: false }).addTo(this.#map);
    }
    this.#drawTown(deps.geo);
    this.#cluster = L.markerClusterGroup({
      maxClusterRadius: 44,
      disableClusteringAtZoom: UNCLUSTERED_ZOOM,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: false,
      iconCreateFunction: (c) => this.#clusterIcon(c),
    });
    this.#cluster.on('click', (e) => {
      const entry = this.#byMarker.get((e as L.LeafletEvent & { layer: L.Marker }).layer);
      if (entry) deps.onDevice?.(entry.d.deviceId);
    });
    this.#cluster.on('animationend', () => this.#declutter());
    this.#cluster.addTo(this.#map);
    this.#map.on('zoomend', () => {
      box.dataset.zoom = String(this.#map.getZoom());
      box.classList.toggle('labels', this.#map.getZoom() >= UNCLUSTERED_ZOOM);
    });
    this.#map.on('moveend zoomend', () => this.#declutter());
    this.#fitTown();
    // the grid gives the map its size only once the page is laid out, and changes it in wall mode
    new ResizeObserver(() => {
      this.#map.invalidateSize();
      if (!this.#fitted) this.#fitTown();
    }).observe(box);
    this.#map.on('dragstart zoomstart', () => {
      if (this.#entries.size && this.#map.getSize().x > 0) this.#fitted = true;
    });
    // not draw(): the page's other parts (the incident panel) may not exist yet
    this.#labelControls();
    document.getElementById('map-clear')!.addEventListener('click', () => this.setFilter(undefined));
  }

  /** The Leaflet map, for parts that draw on it (an incident's evidence). */
  get leaflet(): L.Map {
    return this.#map;
  }

  start(everyMs = 3000): void {
    const refresh = async () => {
      try {
        const res = await api('/api/devices');
        if (res.ok) this.#update(((await res.json()) as { devices: DeviceState[] }).devices);
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

  /** The latest state of a device the map knows (the server gave it to this user). */
  device(id: string): DeviceState | undefined {
    return this.#entries.get(id)?.d;
  }

  setFilter(f: MapFilter): void {
    this.#filter = f;
    const bar = document.getElementById('map-filter')!;
    bar.hidden = !f;
    if (f) bar.querySelector('.what')!.textContent = t('map.filter', { what: `${tOr(`subsystem.${f.subsystem}`, f.subsystem)} · ${t('map.out')}` });
    this.draw();
  }

  /** Marks these devices and brings them into view; none: back to the whole town. */
  highlight(devices: readonly string[]): void {
    this.#highlight = new Set(devices);
    this.#pendingFit = devices.length > 0;
    this.draw();
    if (devices.length === 0) this.#fitTown();
  }

  /** Labels in the chosen language (zoom buttons, legend, icon titles). */
  relabel(): void {
    this.#labelControls();
    this.draw();
  }

  #labelControls(): void {
    this.#zoom?.remove();
    this.#zoom = L.control.zoom({ position: 'topleft', zoomInTitle: t('map.zoomIn'), zoomOutTitle: t('map.zoomOut') }).addTo(this.#map);
    this.#map.getContainer().setAttribute('aria-label', t('map.label'));
    for (const p of this.#map.getContainer().querySelectorAll('.plant')) p.setAttribute('title', t('map.plant'));
  }

  draw(): void {
    const now = this.#deps.now();
    const incidentDevices = this.#deps.incidentDevices();
    const counts: Record<DeviceLook, number> = { ok: 0, out: 0, incident: 0, offline: 0, stale: 0 };
    const changed: L.Marker[] = [];
    const add: L.Marker[] = [];
    const remove: L.Marker[] = [];
    for (const e of this.#entries.values()) {
      const d = e.d;
      e.look = look(d, incidentDevices.has(d.deviceId), this.#deps.kinds, now);
      counts[e.look]++;
      const shown = !this.#filter || (d.subsystem === this.#filter.subsystem && e.look === 'out');
      const hl = this.#highlight.has(d.deviceId);
      const key = `${e.look}|${hl}|${currentLang()}`;
      if (key !== e.key) {
        e.key = key;
        e.marker.setIcon(this.#deviceIcon(d, e.look, hl));
        e.marker.setZIndexOffset(hl ? 2000 : SEVERITY.length - SEVERITY.indexOf(e.look));
        if (e.shown) changed.push(e.marker);
      }
      if (shown !== e.shown) (shown ? add : remove).push(e.marker);
      e.shown = shown;
    }
    if (remove.length) this.#cluster.removeLayers(remove);
    if (add.length) this.#cluster.addLayers(add);
    // a cluster's colour follows its devices'
    if (changed.length) this.#cluster.refreshClusters(changed);
    const box = this.#map.getContainer();
    box.dataset.devices = String(this.#entries.size);
    box.dataset.shown = String([...this.#entries.values()].filter((e) => e.shown).length);
    for (const k of LOOKS) {
      const el = document.querySelector(`#map-legend [data-look="${k}"]`)!;
      el.querySelector('.n')!.textContent = num(counts[k], 0);
      el.querySelector('.l')!.textContent = t(`map.${k}`);
    }
    if (this.#pendingFit) this.#fitHighlight();
    this.#declutter();
  }

  #update(devices: readonly DeviceState[]): void {
    const seen = new Set<string>();
    for (const d of devices) {
      if (!d.location) continue;
      seen.add(d.deviceId);
      const at: L.LatLngTuple = [d.location[0], d.location[1]];
      const e = this.#entries.get(d.deviceId);
      if (e) {
        e.d = d;
        const p = e.marker.getLatLng();
        if (p.lat !== at[0] || p.lng !== at[1]) e.marker.setLatLng(at);
        continue;
      }
      const marker = L.marker(at, { keyboard: true, icon: L.divIcon({ className: 'device-marker' }) });
      const entry: Entry = { marker, d, look: 'ok', key: '', shown: false };
      this.#entries.set(d.deviceId, entry);
      this.#byMarker.set(marker, entry);
    }
    const gone = [...this.#entries.values()].filter((e) => !seen.has(e.d.deviceId));
    // (markercluster's removeLayers redraws every cluster in view, even for none)
    const off = gone.filter((e) => e.shown).map((e) => e.marker);
    if (off.length) this.#cluster.removeLayers(off);
    for (const e of gone) this.#entries.delete(e.d.deviceId);
    if (!this.#fitted && this.#entries.size) this.#fitTown();
  }

  #deviceIcon(d: DeviceState, l: DeviceLook, highlighted: boolean): L.DivIcon {
    const title = `${d.deviceId} · ${kindLabel(this.#deps.kinds, d.kind)} · ${this.#deps.districtName(d.district)} · ${t(`map.${l}`)}`;
    return L.divIcon({
      className: 'device-marker',
      iconSize: [24, 24],
      iconAnchor: [12, 12],
      html:
        `<div class="device ${l}${highlighted ? ' highlight' : ''}" data-device="${escapeHtml(d.deviceId)}" data-kind="${escapeHtml(d.kind)}" data-subsystem="${d.subsystem}" title="${escapeHtml(title)}">` +
        `${glyphSvg(d.kind)}<span class="label">${escapeHtml(d.deviceId)}</span></div>`,
    });
  }

  #clusterIcon(cluster: L.MarkerCluster): L.DivIcon {
    const children = cluster.getAllChildMarkers().map((m) => this.#byMarker.get(m)).filter((e): e is Entry => Boolean(e));
    const worst = SEVERITY.find((s) => children.some((e) => e.look === s)) ?? 'ok';
    const hl = children.some((e) => this.#highlight.has(e.d.deviceId));
    const n = cluster.getChildCount();
    const size = n < 10 ? 30 : n < 100 ? 36 : 44;
    return L.divIcon({
      className: 'cluster-marker',
      iconSize: [size, size],
      html: `<div class="cluster ${worst}${hl ? ' highlight' : ''}" data-count="${n}" title="${escapeHtml(t('map.cluster', { n: num(n, 0) }))}">${num(n, 0)}</div>`,
    });
  }

  /** District outlines, main streets, the plant, and each district's name at the centre of its outline. */
  #drawTown(geo: FeatureCollection): void {
    const style = (f: Feature | undefined): L.PathOptions => (f?.properties.kind === 'street' ? { className: 'street', weight: 5 } : { className: 'district', weight: 1.5 });
    L.geoJSON(geo as GeoJSON.FeatureCollection, {
      style: (f) => style(f as Feature | undefined),
      interactive: false,
      filter: (f) => f.geometry.type !== 'Point',
    } as L.GeoJSONOptions).addTo(this.#map);
    for (const f of geo.features) {
      const g = f.geometry;
      if (g.type === 'Point') {
        this.#landmarks.push(L.latLng(g.coordinates[1], g.coordinates[0]));
        L.marker([g.coordinates[1], g.coordinates[0]], { interactive: false, keyboard: false, icon: L.divIcon({ className: 'plant', iconSize: [26, 26], html: PLANT_SVG }) }).addTo(this.#map);
        continue;
      }
      if (g.type !== 'Polygon') continue;
      const [lon, lat] = ringCentre(g.coordinates[0]!);
      this.#landmarks.push(L.latLng(lat, lon));
      const id = String(f.properties.id ?? '');
      const label = L.marker([lat, lon], {
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: 'district-label', iconSize: null as unknown as L.PointExpression, html: `<span data-district="${escapeHtml(id)}">${escapeHtml(this.#deps.districtName(id))}</span>` }),
      }).addTo(this.#map);
      this.#districtLabels.push({ el: () => label.getElement()?.querySelector('span') ?? undefined, population: Number(f.properties.population ?? 0) });
    }
    this.#districtLabels.sort((a, b) => b.population - a.population);
  }

  #fitTown(): void {
    // the district centres, the plant and every device, as the town's frame
    const points = [...this.#landmarks, ...[...this.#entries.values()].map((e) => e.marker.getLatLng())];
    const size = this.#map.getSize();
    if (points.length === 0 || size.x === 0 || size.y === 0) {
      if (!this.#map.options.center) this.#map.setView([0, 0], 2);
      return;
    }
    this.#map.fitBounds(L.latLngBounds(points), { padding: [30, 30], animate: false });
    this.#fitted = this.#entries.size > 0;
  }

  #fitHighlight(): void {
    const at = [...this.#highlight].map((id) => this.#entries.get(id)?.marker.getLatLng()).filter((p): p is L.LatLng => Boolean(p));
    if (at.length === 0) return;
    this.#pendingFit = false;
    // close enough that a highlighted device stands alone (clusters end at UNCLUSTERED_ZOOM), unless they spread wider
    this.#map.fitBounds(L.latLngBounds(at), { padding: [40, 40], maxZoom: UNCLUSTERED_ZOOM, animate: false });
  }

  #declutter(): void {
    const box = this.#map.getContainer();
    const districts = this.#districtLabels.map((l) => l.el()).filter((e): e is HTMLElement => Boolean(e));
    const devices = box.classList.contains('labels') ? [...box.querySelectorAll<HTMLElement>('.device .label')] : [];
    // incidents and highlights keep their labels first
    const rank = (el: HTMLElement) => {
      const dev = el.parentElement!;
      return dev.classList.contains('highlight') ? 0 : SEVERITY.findIndex((s) => dev.classList.contains(s)) + 1;
    };
    devices.sort((a, b) => rank(a) - rank(b));
    declutter([...districts, ...devices]);
  }
}
