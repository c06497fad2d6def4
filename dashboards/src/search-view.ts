// #search: resolved incidents found by time, utility, district and rule (GET
// /api/incidents/search), newest first, a page at a time with the API's cursor.
// Times are typed on the town's clock as "2026-01-15 09:00". A utility user's
// search is held to its own utility (the API refuses another).
import { UTILITIES } from '../../devices/index.ts';
import type { IncidentPage } from '../../services/contracts/index.ts';
import { esc } from './format.ts';
import { num, parseTownInput, t, townInput, tOr } from './i18n/i18n.ts';
import { incidentRows } from './incident-rows.ts';
import { api, type Me } from './session.ts';
import { closeButton, PanelView, timeField } from './views.ts';

/** incidents a page */
const PAGE = 50;
const DAY = 86_400_000;

export interface SearchViewDeps {
  me: Me;
  now: () => number;
  districts: readonly { id: string; name: string }[];
  ruleIds: readonly string[];
  districtName: (id: string) => string;
  close: () => void;
}

interface Fields {
  from: string;
  to: string;
  utility: string;
  district: string;
  rule: string;
}

export class SearchView extends PanelView {
  readonly #deps: SearchViewDeps;
  #fields: Fields | undefined;
  #found: IncidentPage['incidents'] = [];
  #next: string | undefined;
  #searched = false;

  constructor(deps: SearchViewDeps) {
    super();
    this.#deps = deps;
  }

  protected opened(): void {
    if (!this.#searched) void this.#search(false);
  }

  protected render(): void {
    const el = this.el;
    if (!el) return;
    const now = this.#deps.now();
    const f = (this.#fields ??= { from: townInput(now - DAY), to: townInput(now + 60_000), utility: this.#deps.me.user.utility ?? '', district: '', rule: '' });
    const own = this.#deps.me.user.utility;
    const select = (name: keyof Fields, label: string, options: [string, string][], disabled = false) =>
      `<label><span>${esc(label)}</span> <select name="${name}"${disabled ? ' disabled' : ''}><option value="">${esc(t('search.any'))}</option>${options
        .map(([v, text]) => `<option value="${esc(v)}"${f[name] === v ? ' selected' : ''}>${esc(text)}</option>`)
        .join('')}</select></label>`;
    el.innerHTML = `<div class="search-view">
      <div class="view-head"><h2>${esc(t('search.title'))}</h2>${closeButton()}</div>
      <form class="filters">
        ${timeField('from', t('search.from'), f.from)} ${timeField('to', t('search.to'), f.to)}
        ${select('utility', t('search.utility'), UTILITIES.map((u) => [u, tOr(`utility.${u}`, u)]), own !== undefined)}
        ${select('district', t('search.district'), this.#deps.districts.map((d) => [d.id, d.name]))}
        ${select('rule', t('search.rule'), this.#deps.ruleIds.map((r) => [r, tOr(`rule.${r}`, r)]))}
        <button type="submit" data-action="search">${esc(t('search.submit'))}</button>
      </form>
      <div class="view-status dim" role="status"></div>
      <div class="results">${this.#searched ? incidentRows(this.#found, this.#deps.districtName, t('search.none')) : ''}</div>
      ${this.#searched ? `<p class="dim shown">${esc(t('search.shown', { n: num(this.#found.length, 0) }))}</p>` : ''}
      ${this.#next ? `<button type="button" data-action="more">${esc(t('search.more'))}</button>` : ''}
    </div>`;
    const root = el.querySelector('.search-view')!;
    root.querySelector('[data-action="close"]')!.addEventListener('click', () => this.#deps.close());
    const form = root.querySelector<HTMLFormElement>('form.filters')!;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      this.#fields = { from: String(data.get('from') ?? ''), to: String(data.get('to') ?? ''), utility: own ?? String(data.get('utility') ?? ''), district: String(data.get('district') ?? ''), rule: String(data.get('rule') ?? '') };
      void this.#search(false);
    });
    root.querySelector('[data-action="more"]')?.addEventListener('click', () => void this.#search(true));
  }

  async #search(more: boolean): Promise<void> {
    const f = this.#fields!;
    const from = parseTownInput(f.from);
    const to = parseTownInput(f.to);
    if (from === undefined || to === undefined) return this.status(t('input.badTime', { hint: t('input.timeHint') }));
    if (from >= to) return this.status(t('input.fromBeforeTo'));
    const q = new URLSearchParams({ state: 'resolved', from: String(from), to: String(to), limit: String(PAGE) });
    if (f.utility) q.set('utility', f.utility);
    if (f.district) q.set('district', f.district);
    if (f.rule) q.set('rule', f.rule);
    if (more && this.#next) q.set('cursor', this.#next);
    const res = await api(`/api/incidents/search?${q}`);
    const body = (await res.json().catch(() => ({}))) as IncidentPage & { error?: { message: string } };
    if (!res.ok) return this.status(body.error?.message ?? `HTTP ${res.status}`);
    this.#found = more ? [...this.#found, ...body.incidents] : body.incidents;
    this.#next = body.next;
    this.#searched = true;
    this.render();
  }
}
