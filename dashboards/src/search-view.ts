// #search: resolved incidents found by time, utility, district and rule (GET
// /api/incidents/search), newest first, a page at a time with the API's cursor.
// Times are typed on the town's clock as "2026-01-15 09:00". A utility user's
// search is held to its own utility (the API refuses another). An empty "to" is
// open-ended (up to now). While open, an incident that resolves or changes (the
// /live websocket's news) brings the results up to date, with as many rows as
// were shown, without touching the filters being typed.
import { UTILITIES } from '../../devices/index.ts';
import type { Incident, IncidentPage } from '../../services/contracts/index.ts';
import { esc } from './format.ts';
import { num, parseTownInput, t, townInput, tOr } from './i18n/i18n.ts';
import { incidentRows } from './incident-rows.ts';
import { api, type Me } from './session.ts';
import { closeButton, PanelView, timeField } from './views.ts';

/** incidents a page */
const PAGE = 50;
/** the API's largest page (services/api/incident-routes.ts SEARCH_MAX): a refresh asks again for what is shown, up to this */
const REFRESH_MAX = 500;
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
  /** answers to older requests are dropped */
  #asked = 0;

  constructor(deps: SearchViewDeps) {
    super();
    this.#deps = deps;
  }

  protected opened(): void {
    // a view opened again shows what changed while it was closed
    void this.#search(false, this.#searched);
  }

  incidentsChanged(changed: readonly Incident[]): void {
    const shown = new Set(this.#found.map((i) => i.id));
    if (this.#searched && changed.some((i) => i.state === 'resolved' || shown.has(i.id))) this.refreshSoon();
  }

  protected override refresh(): void {
    void this.#search(false, true);
  }

  protected render(): void {
    const el = this.el;
    if (!el) return;
    const now = this.#deps.now();
    const f = (this.#fields ??= { from: townInput(now - DAY), to: '', utility: this.#deps.me.user.utility ?? '', district: '', rule: '' });
    const own = this.#deps.me.user.utility;
    const select = (name: keyof Fields, label: string, options: [string, string][], disabled = false) =>
      `<label><span>${esc(label)}</span> <select name="${name}"${disabled ? ' disabled' : ''}><option value="">${esc(t('search.any'))}</option>${options
        .map(([v, text]) => `<option value="${esc(v)}"${f[name] === v ? ' selected' : ''}>${esc(text)}</option>`)
        .join('')}</select></label>`;
    el.innerHTML = `<div class="search-view">
      <div class="view-head"><h2>${esc(t('search.title'))}</h2>${closeButton()}</div>
      <form class="filters">
        ${timeField('from', t('search.from'), f.from)} ${timeField('to', t('search.to'), f.to, t('search.toNow'))}
        ${select('utility', t('search.utility'), UTILITIES.map((u) => [u, tOr(`utility.${u}`, u)]), own !== undefined)}
        ${select('district', t('search.district'), this.#deps.districts.map((d) => [d.id, d.name]))}
        ${select('rule', t('search.rule'), this.#deps.ruleIds.map((r) => [r, tOr(`rule.${r}`, r)]))}
        <button type="submit" data-action="search">${esc(t('search.submit'))}</button>
      </form>
      <div class="view-status dim" role="status"></div>
      <div class="found">${this.#results()}</div>
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
    root.querySelector('.found')!.addEventListener('click', (ev) => {
      if ((ev.target as HTMLElement).closest('[data-action="more"]')) void this.#search(true);
    });
  }

  #results(): string {
    if (!this.#searched) return '';
    return `<div class="results">${incidentRows(this.#found, this.#deps.districtName, t('search.none'))}</div>
      <p class="dim shown">${esc(t('search.shown', { n: num(this.#found.length, 0) }))}</p>
      ${this.#next ? `<button type="button" data-action="more">${esc(t('search.more'))}</button>` : ''}`;
  }

  /** A page of results (`more`: the next one); `again`: the same search brought up to date, as many rows as shown. */
  async #search(more: boolean, again = false): Promise<void> {
    const f = this.#fields!;
    const from = parseTownInput(f.from);
    const to = f.to.trim() === '' ? undefined : parseTownInput(f.to);
    if (from === undefined || (to === undefined && f.to.trim() !== '')) return again ? undefined : this.status(t('input.badTime', { hint: t('input.timeHint') }));
    if (to !== undefined && from >= to) return again ? undefined : this.status(t('input.fromBeforeTo'));
    const limit = again ? Math.min(REFRESH_MAX, Math.max(PAGE, Math.ceil(this.#found.length / PAGE) * PAGE)) : PAGE;
    const q = new URLSearchParams({ state: 'resolved', from: String(from), limit: String(limit) });
    if (to !== undefined) q.set('to', String(to));
    if (f.utility) q.set('utility', f.utility);
    if (f.district) q.set('district', f.district);
    if (f.rule) q.set('rule', f.rule);
    if (more && this.#next) q.set('cursor', this.#next);
    const asked = ++this.#asked;
    const res = await api(`/api/incidents/search?${q}`);
    const body = (await res.json().catch(() => ({}))) as IncidentPage & { error?: { message: string } };
    if (asked !== this.#asked) return;
    if (!res.ok) return this.status(body.error?.message ?? `HTTP ${res.status}`);
    this.#found = more ? [...this.#found, ...body.incidents] : body.incidents;
    this.#next = body.next;
    const first = !this.#searched;
    this.#searched = true;
    // a refresh redraws the results only: what is typed in the filters stays
    const found = this.el?.querySelector('.search-view .found');
    if (found && !first) found.innerHTML = this.#results();
    else this.render();
    if (!again) this.status('');
  }
}
