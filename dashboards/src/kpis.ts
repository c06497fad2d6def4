// The city indicators strip: every indicator of /api/kpis as a compact card (value,
// unit, standard, a sparkline of its trend over the page's range) and, first, the
// time to freeze of each open heating outage (/api/kpis/freeze). It fills the
// page's #kpis section, follows the header's range and language, and polls over
// REST; its own texts in the three languages live here.
import { CategoryScale, Chart, Filler, LinearScale, LineController, LineElement, PointElement } from 'chart.js';
import type { FreezeReport, Indicator, KpiReport } from '../../services/contracts/index.ts';
import { unitLabel } from './format.ts';
import { currentLang, num, onLangChange, townTime, type Lang } from './i18n/i18n.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Filler);

const REFRESH_MS = 60_000;
const FREEZE_REFRESH_MS = 30_000;

const TEXT = {
  en: {
    title: 'City indicators', freeze: 'Time to freeze', noData: 'no data', planned: 'planned {p} · unplanned {u}', p90: 'p90 {v}', aboveWho: 'above WHO {v}', missed: 'deadline missed {n} of {m}',
    hoursTo: '{d}: {h} h to +{l} °C', reached: '{d}: below +{l} °C', never: '{d}: stays above +{l} °C', unavailable: 'indicators unavailable',
  },
  ru: {
    title: 'Показатели города', freeze: 'Время до промерзания', noData: 'нет данных', planned: 'плановые {p} · аварийные {u}', p90: 'p90 {v}', aboveWho: 'выше ВОЗ {v}', missed: 'срок пропущен: {n} из {m}',
    hoursTo: '{d}: {h} ч до +{l} °C', reached: '{d}: ниже +{l} °C', never: '{d}: выше +{l} °C', unavailable: 'показатели недоступны',
  },
  kk: {
    title: 'Қала көрсеткіштері', freeze: 'Мұздауға дейінгі уақыт', noData: 'дерек жоқ', planned: 'жоспарлы {p} · апаттық {u}', p90: 'p90 {v}', aboveWho: 'ДДСҰ {v} деңгейінен жоғары', missed: 'мерзім өтті: {m} ішінен {n}',
    hoursTo: '{d}: +{l} °C дейін {h} сағ', reached: '{d}: +{l} °C төмен', never: '{d}: +{l} °C жоғары', unavailable: 'көрсеткіштер қолжетімсіз',
  },
} as const satisfies Record<Lang, Record<string, string>>;

const NAMES: Record<string, Record<Lang, string>> = {
  'water-interruption-hours': { en: 'Water outages per household', ru: 'Перерывы водоснабжения на домохозяйство', kk: 'Су берудің үзілуі, үй шаруашылығына' },
  'heating-interruption-hours': { en: 'Heating outages per household', ru: 'Перерывы отопления на домохозяйство', kk: 'Жылу берудің үзілуі, үй шаруашылығына' },
  'power-saifi': { en: 'SAIFI, power', ru: 'SAIFI, электроснабжение', kk: 'SAIFI, электрмен жабдықтау' },
  'power-caidi': { en: 'CAIDI, power', ru: 'CAIDI, электроснабжение', kk: 'CAIDI, электрмен жабдықтау' },
  'air-pm25': { en: 'PM2.5 mean', ru: 'PM2.5, среднее', kk: 'PM2.5, орташа' },
  'air-pm10': { en: 'PM10 mean', ru: 'PM10, среднее', kk: 'PM10, орташа' },
  'air-no2': { en: 'NO2 mean', ru: 'NO2, среднее', kk: 'NO2, орташа' },
  'air-so2': { en: 'SO2 mean', ru: 'SO2, среднее', kk: 'SO2, орташа' },
  'response-to-acknowledge': { en: 'To acknowledge, median', ru: 'До подтверждения, медиана', kk: 'Растауға дейін, медиана' },
  'response-to-resolve': { en: 'To resolve, median', ru: 'До устранения, медиана', kk: 'Жоюға дейін, медиана' },
  'water-network-monitored': { en: 'Water network monitored', ru: 'Водосеть под мониторингом', kk: 'Бақыланатын су желісі' },
  'air-stations-per-km2': { en: 'Air stations per km²', ru: 'Станции воздуха на км²', kk: 'Ауа станциялары, км²-ге' },
  'employment-concentration': { en: 'Employed at the town-forming plant', ru: 'Занятые на градообразующем предприятии', kk: 'Қала құраушы кәсіпорында жұмыс істейтіндер' },
};

const UNITS: Record<string, Record<Lang, string>> = {
  'h per household': { en: 'h per household', ru: 'ч на домохозяйство', kk: 'сағ / үй' },
  'interruptions per customer': { en: 'per customer', ru: 'на потребителя', kk: 'тұтынушыға' },
  min: { en: 'min', ru: 'мин', kk: 'мин' },
  'stations per km²': { en: 'per km²', ru: 'на км²', kk: 'км²-ге' },
};

const text = (key: keyof (typeof TEXT)['en'], params: Record<string, string | number> = {}): string =>
  TEXT[currentLang()][key].replace(/\{(\w+)\}/g, (_, p: string) => String(params[p] ?? ''));
const nameOf = (i: Indicator) => NAMES[i.id]?.[currentLang()] ?? (currentLang() === 'en' ? i.name : i.id);
/** the page's own unit labels where it has them (µg/m³ as the catalog writes it), else ours */
const unitOf = (unit: string) => (unit === 'µg/m³' ? unitLabel('µg/m3') : (UNITS[unit]?.[currentLang()] ?? unit));
/** Two significant figures for small numbers, fewer decimals for large ones. */
const fig = (v: number | null | undefined): string => {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return num(v, a >= 100 || a === 0 ? 0 : a >= 10 ? 1 : a >= 0.1 ? 2 : Math.min(6, 1 - Math.floor(Math.log10(a))));
};

const STYLE = `
#kpis:not([hidden]) { display: flex; gap: 0.5rem; align-items: stretch; overflow-x: auto; overflow-y: hidden; min-width: 0; }
#kpis .kpi { flex: 0 0 9.5rem; background: var(--tile); border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem 0.5rem; min-width: 0; }
#kpis .kpi h3 { margin: 0; font-size: 0.72rem; font-weight: 400; color: var(--dim); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#kpis .kpi .figure { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#kpis .kpi .value { font-size: 1.05rem; font-weight: 600; font-variant-numeric: tabular-nums; }
#kpis .kpi .unit { color: var(--dim); font-size: 0.7rem; margin-left: 0.25rem; }
#kpis .kpi .parts { color: var(--dim); font-size: 0.65rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#kpis .kpi[data-exceeded="true"] .value { color: var(--warn); }
#kpis .kpi .trend { position: relative; height: 1.4rem; }
#kpis .freeze { flex: 0 0 auto; background: #3a1518; border-color: var(--bad); }
#kpis .freeze li { list-style: none; font-size: 0.8rem; white-space: nowrap; font-variant-numeric: tabular-nums; }
#kpis .freeze ul { margin: 0; padding: 0; }
#kpis .status { color: var(--dim); font-size: 0.75rem; align-self: center; white-space: nowrap; }
`;

export interface KpiPanelDeps {
  /** the server's clock (a simulated town may run on its own time) */
  now: () => number;
  /** the page's chosen range */
  rangeMs: () => number;
}

const charts = new Map<string, Chart<'line', (number | null)[], number>>();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, content?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (content !== undefined) e.textContent = content;
  return e;
}

function card(i: Indicator): HTMLElement {
  const c = el('div', 'kpi');
  c.dataset.kpi = i.id;
  c.dataset.exceeded = String(Boolean(i.guidelines?.some((g) => g.exceeded)));
  // the definition is English; other languages get the name and the standard
  c.title = currentLang() === 'en' ? `${i.name}\n${i.standard} · ${i.clause}\n${i.definition}` : `${nameOf(i)} · ${i.standard}`;
  const v = el('div', 'figure');
  v.append(el('span', 'value', fig(i.value)), el('span', 'unit', i.value === null ? text('noData') : unitOf(i.unit)));
  c.append(el('h3', undefined, nameOf(i)), v);
  const parts: string[] = [];
  if (i.parts && 'planned' in i.parts) parts.push(text('planned', { p: fig(i.parts.planned), u: fig(i.parts.unplanned) }));
  if (i.parts && 'p90' in i.parts && i.parts.p90 !== null) parts.push(text('p90', { v: fig(i.parts.p90) }));
  if (i.parts?.withDeadline) parts.push(text('missed', { n: i.parts.deadlinesMissed ?? 0, m: i.parts.withDeadline }));
  const over = i.guidelines?.filter((g) => g.exceeded).map((g) => fig(g.value)) ?? [];
  if (over.length) parts.push(text('aboveWho', { v: over.join(' / ') }));
  if (parts.length) c.append(el('div', 'parts', parts.join(' · ')));
  if (i.trend.length > 0) {
    const box = el('div', 'trend');
    const canvas = el('canvas');
    box.append(canvas);
    c.append(box);
    c.dataset.points = String(i.trend.length);
    charts.get(i.id)?.destroy();
    charts.set(
      i.id,
      new Chart(canvas, {
        type: 'line',
        data: { labels: i.trend.map((p) => p.from), datasets: [{ data: i.trend.map((p) => p.value), borderColor: '#58a6ff', backgroundColor: 'rgba(88,166,255,0.15)', fill: true, pointRadius: 0, borderWidth: 1.5, tension: 0.2 }] },
        options: { animation: false, responsive: true, maintainAspectRatio: false, events: [], scales: { x: { display: false }, y: { display: false, beginAtZero: true } }, plugins: { tooltip: { enabled: false }, legend: { display: false } } },
      }),
    );
  }
  return c;
}

function freezeCard(f: FreezeReport): HTMLElement | undefined {
  if (f.estimates.length === 0) return undefined;
  const c = el('div', 'kpi freeze');
  c.title = `${text('freeze')}: τ = ${f.model.tauH} h, +${f.model.indoorStartC} → +${f.model.limitC} °C`;
  const list = el('ul');
  for (const e of f.estimates) {
    const li = el('li');
    li.dataset.incident = e.incidentId;
    li.dataset.district = e.district;
    li.dataset.remainingH = String(e.remainingH);
    li.textContent =
      e.remainingH === null ? text('never', { d: e.district, l: e.limitC }) : e.remainingH === 0 ? text('reached', { d: e.district, l: e.limitC }) : text('hoursTo', { d: e.district, h: fig(e.remainingH), l: e.limitC });
    if (e.limitAt !== null) li.title = `${townTime(e.limitAt, 'dateTime')} · ${fig(e.outdoorC)} °C`;
    list.append(li);
  }
  c.append(el('h3', undefined, text('freeze')), list);
  return c;
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** Fills #kpis (created if the page has none) and keeps it current. */
export function startKpiPanel(deps: KpiPanelDeps): void {
  let root = document.getElementById('kpis');
  if (root?.dataset.started) return;
  if (!root) {
    root = el('section');
    root.id = 'kpis';
    document.getElementById('app')!.append(root);
  }
  const panel = root;
  panel.dataset.started = 'true';
  panel.setAttribute('aria-label', text('title'));
  const style = el('style');
  style.textContent = STYLE;
  document.head.append(style);
  panel.hidden = false;

  let report: KpiReport | undefined;
  let freeze: FreezeReport | undefined;
  let failed = false;
  const render = () => {
    panel.setAttribute('aria-label', text('title'));
    const cards: HTMLElement[] = [];
    const f = freeze && freezeCard(freeze);
    if (f) cards.push(f);
    if (report) cards.push(...report.indicators.map(card));
    if (failed) cards.push(el('span', 'status', text('unavailable')));
    panel.replaceChildren(...cards);
    if (report) panel.dataset.generatedAt = String(report.generatedAt);
  };
  const refresh = async () => {
    const to = Math.round(deps.now());
    try {
      report = await getJson<KpiReport>(`/api/kpis?from=${to - deps.rangeMs()}&to=${to}`);
      failed = false;
    } catch {
      failed = true;
    }
    render();
  };
  const refreshFreeze = async () => {
    try {
      freeze = await getJson<FreezeReport>('/api/kpis/freeze');
    } catch {
      freeze = undefined;
    }
    render();
  };
  // the header's range: read once it has changed (main.ts keeps the chosen one)
  document.getElementById('range')?.addEventListener('change', () => setTimeout(() => void refresh(), 0));
  onLangChange(render);
  void refresh();
  void refreshFreeze();
  setInterval(() => void refresh(), REFRESH_MS);
  setInterval(() => void refreshFreeze(), FREEZE_REFRESH_MS);
}
