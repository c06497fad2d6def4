// One tile per subsystem: its headline figure, device counts, figures out of their
// normal band, a chart of the headline over the chosen range, and how old its data
// is (greyed with "last update N ago" past the kind's reporting interval). The
// out-of-normal count is a button that filters the map to those devices.
import { SUBSYSTEMS } from '../../devices/index.ts';
import type { HistoryPoint, SubsystemSummary } from '../../services/contracts/index.ts';
import { timeChart, type ChartSpec, type TimeChart } from './chart.ts';
import { figure, kindLabel, metricLabel, reportEveryMs, type Kinds } from './format.ts';
import { ago, num, t, tOr } from './i18n/i18n.ts';

export const ORDER: readonly string[] = [...SUBSYSTEMS, 'education', 'social'];

interface Tile {
  el: HTMLElement;
  chart: TimeChart;
  summary?: SubsystemSummary;
  /** kind.metric the chart shows */
  series?: string;
  points: { x: number; y: number }[];
  /** the history's bucket: live points closer than this to the last one replace it */
  stepMs: number;
}

export interface TilesDeps {
  kinds: Kinds;
  offsetMin: () => number;
  /** the server's clock, as best known */
  now: () => number;
  /** the chart window, ms */
  rangeMs: () => number;
  thresholds: (kind: string, metric: string) => number[];
  onOutOfNormal: (subsystem: string) => void;
}

const MAX_POINTS = 2000;

export class Tiles {
  readonly #deps: TilesDeps;
  readonly #tiles = new Map<string, Tile>();

  constructor(deps: TilesDeps) {
    this.#deps = deps;
  }

  tile(subsystem: string): Tile {
    let tile = this.#tiles.get(subsystem);
    if (tile) return tile;
    const el = document.createElement('section');
    el.className = 'tile';
    el.dataset.subsystem = subsystem;
    el.innerHTML = `<div class="tile-head"><h2></h2><span class="age"></span></div>
      <div class="meta"><span class="l-devices"></span>: <span class="devices">0</span> · <span class="online">0</span> <span class="l-online"></span> ·
        <button type="button" class="alerts" data-n="0">0</button> <span class="l-out"></span></div>
      <div class="headline"><span class="value">–</span> <small class="unit"></small></div>
      <div class="what"></div>
      <div class="chart"><canvas></canvas></div>
      <table class="rows"><tbody></tbody></table>`;
    const container = document.getElementById('tiles')!;
    const before = [...container.children].find((c) => ORDER.indexOf((c as HTMLElement).dataset.subsystem!) > ORDER.indexOf(subsystem));
    container.insertBefore(el, before ?? null);
    el.querySelector('.alerts')!.addEventListener('click', () => this.#deps.onOutOfNormal(subsystem));
    tile = { el, chart: timeChart(el.querySelector('canvas')!, this.#deps.offsetMin), points: [], stepMs: 1000 };
    tile.chart.chart.data.datasets[0]!.data = tile.points;
    this.#tiles.set(subsystem, tile);
    this.#labels(tile);
    return tile;
  }

  get all(): IterableIterator<Tile> {
    return this.#tiles.values();
  }

  #labels(tile: Tile): void {
    const q = (sel: string) => tile.el.querySelector(sel) as HTMLElement;
    q('h2').textContent = tOr(`subsystem.${tile.el.dataset.subsystem}`, tile.el.dataset.subsystem!);
    q('.l-devices').textContent = t('tile.devices');
    q('.l-online').textContent = t('tile.online');
    q('.l-out').textContent = t('tile.outOfNormal');
    q('.alerts').title = t('tile.showOnMap');
  }

  /** Re-renders every label and figure (after a language change). */
  relabel(): void {
    for (const tile of this.#tiles.values()) {
      this.#labels(tile);
      if (tile.summary) this.render(tile.summary);
      tile.chart.chart.update('none');
    }
  }

  render(s: SubsystemSummary): void {
    const tile = this.tile(s.subsystem);
    tile.summary = s;
    const { kinds } = this.#deps;
    const q = (sel: string) => tile.el.querySelector(sel) as HTMLElement;
    q('.devices').textContent = num(s.devices, 0);
    q('.online').textContent = num(s.online, 0);
    q('.alerts').textContent = num(s.outOfNormal, 0);
    q('.alerts').dataset.n = String(s.outOfNormal);
    tile.el.dataset.lastReadingAt = String(s.lastReadingAt);
    if (s.headline) {
      const h = s.headline;
      const spec = kinds.get(h.kind)?.metrics[h.metric];
      const kindDevices = s.kinds[h.kind]?.devices;
      q('.value').textContent = figure(spec, h.value, kindDevices);
      q('.value').dataset.value = String(h.value);
      q('.unit').textContent = '';
      q('.what').textContent = `${kindLabel(kinds, h.kind)} · ${metricLabel(h.metric)} (${t(`agg.${spec?.aggregate ?? 'mean'}`)})`;
      const series = `${h.kind}.${h.metric}`;
      if (tile.series !== series) {
        tile.series = series;
        // a rule's threshold is per device: it applies to a mean or the worst device, not to a sum over devices
        const aggregate = spec?.aggregate ?? 'mean';
        const chartSpec: ChartSpec = { spec, aggregate, thresholds: aggregate === 'sum' ? [] : this.#deps.thresholds(h.kind, h.metric) };
        tile.chart.setSpec(chartSpec, kindDevices ?? 1);
      }
    } else {
      q('.value').textContent = '–';
      q('.what').textContent = t('tile.noData');
    }
    // the figures out of their band first, then the rest
    const rows: { out: boolean; html: string }[] = [];
    for (const [kind, k] of Object.entries(s.kinds)) {
      for (const [metric, m] of Object.entries(k.metrics)) {
        const spec = kinds.get(kind)?.metrics[metric];
        rows.push({
          out: m.outOfNormal > 0,
          html: `<tr class="${m.outOfNormal ? 'out' : ''}" data-kind="${kind}"><td class="k">${kindLabel(kinds, kind)} · ${metricLabel(metric)}</td><td class="v">${figure(spec, m.value, k.devices)}</td></tr>`,
        });
      }
    }
    rows.sort((a, b) => Number(b.out) - Number(a.out));
    q('tbody').innerHTML = rows.map((r) => r.html).join('');
    this.stale(tile);
  }

  /** Greys a tile and its rows whose newest reading is older than the kind's interval. */
  stale(tile: Tile): void {
    const s = tile.summary;
    if (!s) return;
    const now = this.#deps.now();
    let fresh = 0;
    for (const [kind, k] of Object.entries(s.kinds)) {
      const old = now - k.lastReadingAt > reportEveryMs(this.#deps.kinds.get(kind));
      if (!old) fresh++;
      for (const tr of tile.el.querySelectorAll<HTMLElement>(`tr[data-kind="${kind}"]`)) tr.classList.toggle('stale', old);
    }
    const isStale = s.devices > 0 && fresh === 0;
    tile.el.dataset.stale = isStale ? '1' : '0';
    const headlineKind = s.headline?.kind;
    const headStale = headlineKind ? now - (s.kinds[headlineKind]?.lastReadingAt ?? 0) > reportEveryMs(this.#deps.kinds.get(headlineKind)) : false;
    tile.el.querySelector('.headline')!.classList.toggle('stale', headStale);
    tile.el.querySelector('.age')!.textContent = isStale || headStale ? t('stale.lastUpdate', { ago: ago(now - (headStale && headlineKind ? s.kinds[headlineKind]!.lastReadingAt : s.lastReadingAt)) }) : '';
  }

  tick(): void {
    const now = this.#deps.now();
    for (const tile of this.#tiles.values()) {
      this.stale(tile);
      tile.chart.setWindow(now - this.#deps.rangeMs(), now);
      tile.chart.chart.update('none');
      // what the axes show, for tests and for anyone reading the page's markup
      const { x, y } = tile.chart.chart.scales;
      if (x && y) {
        tile.el.dataset.yRange = `${y.min}..${y.max}`;
        tile.el.dataset.xTicks = x.ticks.map((tk) => tk.label).join('|');
      }
    }
  }

  get subsystems(): string[] {
    return [...this.#tiles.keys()];
  }

  /** Replaces a tile's chart data with history from the store, in buckets of stepMs. */
  setHistory(subsystem: string, points: readonly HistoryPoint[], stepMs: number): void {
    const tile = this.tile(subsystem);
    tile.stepMs = stepMs;
    tile.points.length = 0;
    for (const p of points) tile.points.push({ x: p.t, y: p.value });
    tile.el.dataset.points = String(tile.points.length);
    tile.el.dataset.firstPoint = String(tile.points[0]?.x ?? '');
  }

  /** Adds a live point (one a bucket at most; a newer value within the bucket replaces it). */
  plot(subsystem: string, p: HistoryPoint): void {
    const tile = this.tile(subsystem);
    const last = tile.points.at(-1);
    if (last && p.t - last.x < tile.stepMs) last.y = p.value;
    else if (!last || p.t > last.x) tile.points.push({ x: p.t, y: p.value });
    const keepFrom = this.#deps.now() - this.#deps.rangeMs();
    while (tile.points.length > MAX_POINTS || (tile.points.length > 1 && tile.points[0]!.x < keepFrom)) tile.points.shift();
    tile.el.dataset.points = String(tile.points.length);
  }
}
