// The town map: every located device as a dot, coloured by its state (normal, out
// of its normal band, in an open incident, offline), with district names at their
// centroids. Devices report their location in their birth message.
import type { DeviceState } from '../../services/contracts/index.ts';
import { api } from './session.ts';

interface KindSpec {
  id: string;
  metrics: Record<string, { normal: [number, number]; unit: string }>;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const W = 1000;
const H = 460;
let kinds = new Map<string, KindSpec>();

export type DeviceLook = 'incident' | 'offline' | 'out' | 'ok';

export function look(d: DeviceState, inIncident: boolean): DeviceLook {
  if (inIncident) return 'incident';
  if (!d.online) return 'offline';
  const spec = kinds.get(d.kind);
  for (const [m, v] of Object.entries(d.metrics)) {
    const n = spec?.metrics[m]?.normal;
    if (n && (v < n[0] || v > n[1])) return 'out';
  }
  return 'ok';
}

function draw(devices: DeviceState[], incidentDevices: Set<string>): void {
  const svg = document.getElementById('map') as unknown as SVGSVGElement;
  const located = devices.filter((d) => d.location);
  svg.replaceChildren();
  if (located.length === 0) return;
  const lats = located.map((d) => d.location![0]);
  const lons = located.map((d) => d.location![1]);
  const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const kx = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180); // keep the town's true shape
  const scale = Math.min((W - 60) / Math.max((maxLon - minLon) * kx, 1e-6), (H - 60) / Math.max(maxLat - minLat, 1e-6));
  const x = (lon: number) => 30 + (lon - minLon) * kx * scale;
  const y = (lat: number) => H - 30 - (lat - minLat) * scale;
  const counts: Record<DeviceLook, number> = { ok: 0, out: 0, incident: 0, offline: 0 };
  const byDistrict = new Map<string, { x: number; y: number; n: number }>();
  // incidents last, so they are drawn on top
  const order: DeviceLook[] = ['ok', 'offline', 'out', 'incident'];
  const dots = located.map((d) => ({ d, look: look(d, incidentDevices.has(d.deviceId)) })).sort((a, b) => order.indexOf(a.look) - order.indexOf(b.look));
  for (const { d, look: l } of dots) {
    counts[l]++;
    const c = document.createElementNS(SVG_NS, 'circle');
    c.setAttribute('cx', x(d.location![1]).toFixed(1));
    c.setAttribute('cy', y(d.location![0]).toFixed(1));
    c.setAttribute('r', l === 'incident' ? '6' : '3.5');
    c.setAttribute('class', `dot ${l}`);
    c.dataset.device = d.deviceId;
    const title = document.createElementNS(SVG_NS, 'title');
    title.textContent = `${d.deviceId} (${d.kind}, ${d.district})\n${Object.entries(d.metrics).map(([k, v]) => `${k}: ${v} ${kinds.get(d.kind)?.metrics[k]?.unit ?? ''}`).join('\n')}${d.online ? '' : '\noffline'}`;
    c.appendChild(title);
    svg.appendChild(c);
    const agg = byDistrict.get(d.district) ?? { x: 0, y: 0, n: 0 };
    agg.x += x(d.location![1]);
    agg.y += y(d.location![0]);
    agg.n++;
    byDistrict.set(d.district, agg);
  }
  for (const [district, a] of byDistrict) {
    const t = document.createElementNS(SVG_NS, 'text');
    t.setAttribute('x', (a.x / a.n).toFixed(0));
    t.setAttribute('y', (a.y / a.n - 14).toFixed(0));
    t.setAttribute('class', 'district');
    t.textContent = district;
    svg.appendChild(t);
  }
  for (const [k, n] of Object.entries(counts)) document.querySelector(`#map-legend [data-look="${k}"] .n`)!.textContent = String(n);
}

export function startMap(incidentDevices: () => Set<string>, everyMs = 3000): void {
  const svg = document.getElementById('map')!;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const refresh = async () => {
    try {
      const res = await api('/api/devices');
      const json = (await res.json()) as { devices: DeviceState[] };
      draw(json.devices, incidentDevices());
    } finally {
      setTimeout(() => void refresh(), everyMs);
    }
  };
  void api('/api/kinds')
    .then((r) => r.json() as Promise<{ kinds: KindSpec[] }>)
    .then((k) => {
      kinds = new Map(k.kinds.map((x) => [x.id, x]));
      void refresh();
    });
}
