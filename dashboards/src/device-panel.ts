// A device's panel, opened by a click on it on the map: what it is and where, its
// online state and "last update N ago", its latest values with units (out of band
// marked), a chart per metric over the page's chosen range (its own stored readings,
// GET /api/series, with the normal band and rule thresholds), and its open
// incidents (from the incident list the page already has; a click opens one). The
// server gives a user only the devices it may see, so the panel shows nothing more.
import type { DeviceKind } from '../../devices/index.ts';
import type { DeviceState, Incident } from '../../services/contracts/index.ts';
import { timeChart, type TimeChart } from './chart.ts';
import { figure, kindLabel, metricLabel, reportEveryMs, type Kinds } from './format.ts';
import { ago, t, tOr, townTime } from './i18n/i18n.ts';
import { glyphSvg } from './map-icons.ts';
import { api } from './session.ts';

/** How often the charts are read again while the panel stays open. */
const CHART_REFRESH_MS = 60_000;

export interface DevicePanelDeps {
  kinds: Kinds;
  now: () => number;
  offsetMin: () => number;
  rangeMs: () => number;
  /** the device's latest state as the map has it */
  device: (id: string) => DeviceState | undefined;
  districtName: (id: string) => string;
  thresholds: (kind: string, metric: string) => number[];
  /** the unresolved incidents the page shows */
  incidents: () => readonly Incident[];
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class DevicePanel {
  readonly #deps: DevicePanelDeps;
  readonly #el: HTMLElement;
  #id: string | undefined;
  #charts: TimeChart[] = [];
  #timer: number | undefined;
  #chartTimer: number | undefined;
  /** a newer open supersedes a chart read still on its way */
  #generation = 0;

  constructor(deps: DevicePanelDeps) {
    this.#deps = deps;
    this.#el = document.getElementById('device-panel')!;
    this.#el.addEventListener('click', (ev) => {
      if ((ev.target as HTMLElement).closest('button.close')) this.close();
    });
    document.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && this.#id) this.close();
    });
  }

  get deviceId(): string | undefined {
    return this.#id;
  }

  open(id: string): void {
    if (!this.#deps.device(id)) return;
    this.close();
    this.#id = id;
    this.#el.hidden = false;
    this.#el.dataset.device = id;
    this.#renderFrame();
    this.refresh();
    void this.#loadCharts();
    this.#timer = window.setInterval(() => this.refresh(), 1000);
    this.#chartTimer = window.setInterval(() => void this.#loadCharts(), CHART_REFRESH_MS);
  }

  close(): void {
    clearInterval(this.#timer);
    clearInterval(this.#chartTimer);
    this.#generation++;
    for (const c of this.#charts) c.chart.destroy();
    this.#charts = [];
    this.#id = undefined;
    this.#el.hidden = true;
    this.#el.replaceChildren();
    delete this.#el.dataset.device;
  }

  /** After a language or range change: everything drawn again. */
  relabel(): void {
    const id = this.#id;
    if (id) this.open(id);
  }

  /** The figures that move: online state, age, values, incidents. */
  refresh(): void {
    const d = this.#id ? this.#deps.device(this.#id) : undefined;
    if (!d) return;
    const kind = this.#deps.kinds.get(d.kind);
    const age = this.#deps.now() - d.ts;
    const state = this.#el.querySelector<HTMLElement>('.state')!;
    state.dataset.online = d.online ? '1' : '0';
    state.textContent = t(d.online ? 'device.online' : 'device.offline');
    const ageEl = this.#el.querySelector<HTMLElement>('.age')!;
    ageEl.textContent = t('stale.lastUpdate', { ago: ago(age) });
    ageEl.dataset.stale = age > reportEveryMs(kind) ? '1' : '0';
    for (const row of this.#el.querySelectorAll<HTMLElement>('.values [data-metric]')) {
      const m = row.dataset.metric!;
      const v = d.metrics[m];
      const spec = kind?.metrics[m];
      const cell = row.querySelector<HTMLElement>('.v')!;
      cell.textContent = v === undefined ? '–' : figure(spec, v);
      cell.dataset.value = v === undefined ? '' : String(v);
      row.classList.toggle('out', v !== undefined && !!spec && (v < spec.normal[0] || v > spec.normal[1]));
    }
    this.#renderIncidents(d.deviceId);
  }

  #metrics(d: DeviceState, kind: DeviceKind | undefined): string[] {
    return [...new Set([...Object.keys(kind?.metrics ?? {}), ...Object.keys(d.metrics)])];
  }

  #renderFrame(): void {
    const d = this.#deps.device(this.#id!)!;
    const kind = this.#deps.kinds.get(d.kind);
    const metrics = this.#metrics(d, kind);
    this.#el.setAttribute('aria-label', t('device.panel'));
    this.#el.innerHTML = `
      <div class="head"><span class="icon">${glyphSvg(d.kind)}</span>
        <h2><span class="kind">${esc(kindLabel(this.#deps.kinds, d.kind))}</span> <span class="id">${esc(d.deviceId)}</span></h2>
        <button type="button" class="close" title="${esc(t('device.close'))}" aria-label="${esc(t('device.close'))}">×</button></div>
      <div class="where">${esc(this.#deps.districtName(d.district))} · ${esc(tOr(`subsystem.${d.subsystem}`, d.subsystem))}</div>
      <div class="status"><span class="state"></span> · <span class="age"></span></div>
      <h3>${esc(t('device.values'))}</h3>
      <table class="values">${metrics.map((m) => `<tr data-metric="${esc(m)}"><th>${esc(metricLabel(m))}</th><td class="v"></td></tr>`).join('')}</table>
      <h3>${esc(t('device.charts'))}</h3>
      <div class="charts">${metrics.map((m) => `<figure data-metric="${esc(m)}"><figcaption>${esc(metricLabel(m))}</figcaption><div class="chart"><canvas></canvas></div></figure>`).join('')}</div>
      <h3>${esc(t('device.incidents'))}</h3>
      <ul class="incidents"></ul>`;
    for (const fig of this.#el.querySelectorAll<HTMLElement>('.charts figure')) {
      const m = fig.dataset.metric!;
      const c = timeChart(fig.querySelector('canvas')!, this.#deps.offsetMin);
      c.setSpec({ spec: kind?.metrics[m], aggregate: 'mean', thresholds: this.#deps.thresholds(d.kind, m) }, 1);
      this.#charts.push(c);
    }
  }

  #renderIncidents(id: string): void {
    const list = this.#el.querySelector('.incidents');
    if (!list) return;
    const mine = this.#deps.incidents().filter((i) => i.asset === id || i.devices.includes(id) || i.evidence.some((e) => e.deviceId === id));
    const key = mine.map((i) => `${i.id}:${i.state}`).join(',');
    if ((list as HTMLElement).dataset.key === key && list.childElementCount > 0) return;
    (list as HTMLElement).dataset.key = key;
    list.innerHTML = mine.length
      ? mine
          .map(
            (i) =>
              `<li data-id="${esc(i.id)}" data-severity="${i.severity}"><a href="#incident/${encodeURIComponent(i.id)}"><span class="sev sev-${i.severity}">${esc(t(`severity.${i.severity}`))}</span> ${esc(tOr(`rule.${i.ruleId}`, i.title))}</a>
              <div class="dim">${esc(t(`state.${i.state}`))} · ${esc(t('incidents.opened', { time: townTime(i.openedAt, 'dateTime') }))}</div></li>`,
          )
          .join('')
      : `<li class="none dim">${esc(t('device.noIncidents'))}</li>`;
  }

  /** Each metric's stored readings over the chosen range (GET /api/series, bucketed by the server). */
  async #loadCharts(): Promise<void> {
    const id = this.#id;
    if (!id) return;
    const gen = ++this.#generation;
    const to = Math.round(this.#deps.now());
    const from = to - this.#deps.rangeMs();
    const figs = [...this.#el.querySelectorAll<HTMLElement>('.charts figure')];
    const answers = await Promise.all(
      figs.map(async (fig) => {
        const q = new URLSearchParams({ deviceId: id, metric: fig.dataset.metric!, from: String(from), to: String(to) });
        const res = await api(`/api/series?${q}`);
        return res.ok ? ((await res.json()) as { points: { t: number; avg: number }[] }).points : [];
      }),
    );
    if (gen !== this.#generation) return;
    answers.forEach((points, n) => {
      const c = this.#charts[n]!;
      c.setWindow(from, to);
      c.chart.data.datasets[0]!.data = points.map((p) => ({ x: p.t, y: p.avg }));
      c.chart.update('none');
      figs[n]!.dataset.points = String(points.length);
    });
    this.#el.dataset.loaded = String(gen);
  }
}
