// A line chart over time: the x axis in ms with ticks on round minutes/hours/days
// of the town's clock (24-hour), the y axis in the metric's unit over a fixed range
// taken from the catalog's normal band (so 4.08-4.13 bar stays a flat line, not a
// cliff), the normal band shaded and rule thresholds drawn as dashed lines.
// chart.js' own time scale needs a date adapter; a linear scale with town-clock
// ticks needs none and keeps the bundle small.
import { Chart, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip, type Plugin, type TooltipItem } from 'chart.js';
import type { MetricSpec } from '../../devices/index.ts';
import { num, townTime } from './i18n/i18n.ts';
import { unitLabel } from './format.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip);

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const STEPS = [MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY];

/** Round instants of the town's clock between from and to, about `want` of them. */
export function timeTicks(from: number, to: number, offsetMin: number, want = 6): number[] {
  const step = STEPS.find((s) => (to - from) / s <= want) ?? STEPS.at(-1)!;
  const off = offsetMin * MIN;
  const out: number[] = [];
  for (let v = Math.ceil((from + off) / step) * step - off; v <= to; v += step) out.push(v);
  return out;
}

export interface ChartSpec {
  spec: MetricSpec | undefined;
  aggregate: 'sum' | 'mean' | 'max';
  /** rule thresholds on this metric */
  thresholds: number[];
}

export interface TimeChart {
  chart: Chart<'line', { x: number; y: number }[]>;
  setWindow(from: number, to: number): void;
  setSpec(s: ChartSpec, devices: number): void;
}

interface BandOptions {
  band?: [number, number];
  thresholds?: number[];
}

/** Shades the normal band and draws threshold lines behind the data. */
const bands: Plugin<'line'> = {
  id: 'qalaBands',
  beforeDatasetsDraw(chart) {
    const o = (chart.options.plugins as unknown as { qalaBands?: BandOptions }).qalaBands;
    const y = chart.scales.y;
    if (!o || !y) return;
    const { ctx, chartArea: a } = chart;
    ctx.save();
    if (o.band) {
      const top = Math.max(a.top, y.getPixelForValue(o.band[1]));
      const bottom = Math.min(a.bottom, y.getPixelForValue(o.band[0]));
      if (bottom > top) {
        ctx.fillStyle = 'rgba(63,185,80,0.10)';
        ctx.fillRect(a.left, top, a.right - a.left, bottom - top);
      }
    }
    ctx.strokeStyle = 'rgba(248,81,73,0.8)';
    ctx.setLineDash([5, 4]);
    for (const v of o.thresholds ?? []) {
      const py = y.getPixelForValue(v);
      if (py < a.top || py > a.bottom) continue;
      ctx.beginPath();
      ctx.moveTo(a.left, py);
      ctx.lineTo(a.right, py);
      ctx.stroke();
    }
    ctx.restore();
  },
};

export function timeChart(canvas: HTMLCanvasElement, offsetMin: () => number): TimeChart {
  let unit = '';
  let isBoolSum = false;
  let isP = false;
  /** the x window, ms: days are labelled by date, shorter windows by time */
  let span = 0;
  const fmtY = (v: number) => (isP ? num(v * 100, 0) : num(v, 2));
  const chart: Chart<'line', { x: number; y: number }[]> = new Chart<'line', { x: number; y: number }[]>(canvas, {
    type: 'line',
    data: { datasets: [{ data: [], borderColor: '#58a6ff', backgroundColor: 'rgba(88,166,255,0.12)', fill: 'start', pointRadius: 0, borderWidth: 2, tension: 0.2, spanGaps: false }] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      scales: {
        x: {
          type: 'linear',
          ticks: { color: '#8b9bab', maxRotation: 0, autoSkip: false, callback: (v): string => townTime(Number(v), span > 2 * DAY ? 'date' : 'time') },
          afterBuildTicks: (scale) => {
            span = scale.max - scale.min;
            scale.ticks = timeTicks(scale.min, scale.max, offsetMin(), Math.max(1, Math.floor(scale.width / 70))).map((value) => ({ value }));
          },
          grid: { color: '#22303c' },
        },
        y: {
          ticks: { color: '#8b9bab', maxTicksLimit: 5, callback: (v) => fmtY(Number(v)) },
          grid: { color: '#22303c' },
          title: { display: true, color: '#8b9bab', text: '' },
        },
      },
      plugins: {
        tooltip: {
          enabled: true,
          intersect: false,
          mode: 'index',
          callbacks: {
            title: (items: TooltipItem<'line'>[]) => (items[0] ? townTime(items[0].parsed.x ?? 0, 'dateTime') : ''),
            label: (item: TooltipItem<'line'>) => `${fmtY(item.parsed.y ?? 0)} ${isP ? unitLabel('p') : isBoolSum ? '' : unit}`,
          },
        },
      } as never,
    },
    plugins: [bands],
  });
  return {
    chart,
    setWindow(from, to) {
      chart.options.scales!.x!.min = from;
      chart.options.scales!.x!.max = to;
    },
    setSpec(s, devices) {
      const spec = s.spec;
      unit = spec ? unitLabel(spec.unit) : '';
      isBoolSum = spec?.unit === 'bool';
      isP = spec?.unit === 'p';
      const y = chart.options.scales!.y! as { min?: number; max?: number; suggestedMin?: number; suggestedMax?: number; title: { text: string } };
      y.title.text = isP ? '%' : unit;
      delete y.min;
      delete y.max;
      delete y.suggestedMin;
      delete y.suggestedMax;
      const plugins = chart.options.plugins as unknown as { qalaBands: BandOptions };
      plugins.qalaBands = { thresholds: s.thresholds };
      if (!spec) return;
      if (isBoolSum) {
        y.min = 0;
        y.suggestedMax = Math.max(1, devices);
      } else if (isP) {
        y.min = 0;
        y.max = 1;
        plugins.qalaBands.band = [spec.normal[0], spec.normal[1]];
      } else if (s.aggregate === 'sum') {
        y.suggestedMin = 0;
        y.suggestedMax = spec.normal[1] * Math.max(1, devices) * 0.5;
      } else {
        // the band and a margin of a fifth of its width on either side; data outside widens it
        const [lo, hi] = spec.normal;
        const pad = (hi - lo) * 0.2;
        y.suggestedMin = Math.max(spec.bounds[0], lo - pad);
        y.suggestedMax = Math.min(spec.bounds[1], hi + pad);
        plugins.qalaBands.band = [lo, hi];
      }
    },
  };
}
