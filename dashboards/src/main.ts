// The control-room page: one tile per subsystem with live figures and a chart of
// its headline figure, fed by the /live websocket, behind a login (session.ts).
// Imports only types from services.
import {
  Chart,
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  CategoryScale,
  Filler,
  Tooltip,
} from 'chart.js';
import type { HistoryPoint, LiveMessage, SubsystemSummary } from '../../services/contracts/index.ts';
import { incidentDevices, setIncidents, upsertIncidents, wireIncidentPanel } from './incidents.ts';
import { startMap } from './map.ts';
import { CLOSE_LOGGED_OUT, sessionEnded, showLogin, showUser, whoAmI, type Me } from './session.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Filler, Tooltip);

const LABELS: Record<string, string> = {
  utilities: 'Housing & communal utilities',
  mobility: 'Mobility',
  safety: 'Safety',
  health: 'Healthcare',
  environment: 'Environment',
};
const ORDER = Object.keys(LABELS);
const MAX_POINTS = 300;

interface Tile {
  el: HTMLElement;
  chart: Chart<'line', number[], string>;
  lastT: number;
}
const tiles = new Map<string, Tile>();

function tile(subsystem: string): Tile {
  let t = tiles.get(subsystem);
  if (t) return t;
  const el = document.createElement('section');
  el.className = 'tile';
  el.dataset.subsystem = subsystem;
  el.innerHTML = `<h2>${LABELS[subsystem] ?? subsystem}</h2>
    <div class="meta"><span class="devices">0</span> devices, <span class="online">0</span> online,
      <span class="alerts" data-n="0">0</span> out of normal</div>
    <div class="headline"><span class="value">–</span> <small class="unit"></small></div>
    <div class="chart"><canvas></canvas></div><table><tbody></tbody></table>`;
  const container = document.getElementById('tiles')!;
  const before = [...container.children].find((c) => ORDER.indexOf((c as HTMLElement).dataset.subsystem!) > ORDER.indexOf(subsystem));
  container.insertBefore(el, before ?? null);
  const chart = new Chart(el.querySelector('canvas')!, {
    type: 'line',
    data: { labels: [], datasets: [{ data: [], borderColor: '#58a6ff', backgroundColor: 'rgba(88,166,255,0.15)', fill: true, pointRadius: 0, tension: 0.25 }] },
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { display: false }, y: { ticks: { color: '#8b9bab' }, grid: { color: '#2a3a48' } } }, plugins: { tooltip: { enabled: true } } },
  });
  t = { el, chart, lastT: 0 };
  tiles.set(subsystem, t);
  return t;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(v % 1 === 0 ? 0 : 2));

function render(s: SubsystemSummary): void {
  const t = tile(s.subsystem);
  const q = (sel: string) => t.el.querySelector(sel) as HTMLElement;
  q('.devices').textContent = String(s.devices);
  q('.online').textContent = String(s.online);
  q('.alerts').textContent = String(s.outOfNormal);
  q('.alerts').dataset.n = String(s.outOfNormal);
  if (s.headline) {
    q('.value').textContent = fmt(s.headline.value);
    q('.unit').textContent = `${s.headline.unit} · ${s.headline.metric} (${s.headline.kind})`;
  }
  const rows: string[] = [];
  for (const [kind, k] of Object.entries(s.kinds)) {
    for (const [metric, m] of Object.entries(k.metrics)) {
      rows.push(`<tr class="${m.outOfNormal ? 'out' : ''}"><td class="k">${kind} · ${metric} (${m.aggregate})</td><td class="v">${fmt(m.value)} ${m.unit}</td></tr>`);
    }
  }
  q('tbody').innerHTML = rows.join('');
  t.el.dataset.lastReadingAt = String(s.lastReadingAt);
}

function plot(subsystem: string, p: HistoryPoint): void {
  const t = tile(subsystem);
  const ds = t.chart.data.datasets[0]!;
  const label = new Date(p.t).toLocaleTimeString();
  if (p.t - t.lastT < 1000 && ds.data.length > 0) {
    ds.data[ds.data.length - 1] = p.value;
  } else {
    t.chart.data.labels!.push(label);
    ds.data.push(p.value);
    t.lastT = p.t;
  }
  if (ds.data.length > MAX_POINTS) {
    ds.data.shift();
    t.chart.data.labels!.shift();
  }
  t.el.dataset.points = String(ds.data.length);
}

function onMessage(msg: LiveMessage): void {
  for (const s of Object.values(msg.subsystems)) render(s);
  if (msg.type === 'hello') {
    for (const [s, points] of Object.entries(msg.history)) for (const p of points) plot(s, p);
    setIncidents(msg.incidents);
  } else {
    if (msg.incidents.length) upsertIncidents(msg.incidents);
    for (const s of Object.values(msg.subsystems)) if (s.headline) plot(s.subsystem, { t: msg.at, value: s.headline.value });
  }
  for (const t of tiles.values()) t.chart.update('none');
}

function connect(delayMs = 500): void {
  const conn = document.getElementById('conn')!;
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live`);
  ws.onopen = () => {
    conn.dataset.state = 'open';
    conn.textContent = 'live';
    delayMs = 500;
  };
  ws.onmessage = (ev) => onMessage(JSON.parse(String(ev.data)) as LiveMessage);
  ws.onclose = (ev) => {
    conn.dataset.state = 'closed';
    conn.textContent = 'reconnecting…';
    // the server ended the login; a refused upgrade shows only as 1006, so ask who we are
    if (ev.code === CLOSE_LOGGED_OUT) return sessionEnded();
    setTimeout(() => {
      void whoAmI().then((me) => (me ? connect(Math.min(delayMs * 2, 10_000)) : sessionEnded()), () => connect(Math.min(delayMs * 2, 10_000)));
    }, delayMs);
  };
}

function start(me: Me): void {
  showUser(me);
  const name = me.town.charAt(0).toUpperCase() + me.town.slice(1);
  document.getElementById('town')!.textContent = `${name} control room`;
  document.title = `Qala · ${name}`;
  for (const s of ORDER) tile(s);
  wireIncidentPanel(me);
  startMap(incidentDevices);
  connect();
}

void whoAmI().then((me) => (me ? start(me) : showLogin()), () => showLogin());
