// #handover: the shift handover (GET /api/incidents/handover): what opened, what
// changed and what is still open since a chosen time, by default the start of the
// shift in progress on the town's clock (08:00 or 20:00). While open, any incident
// that opens, changes or resolves (the /live websocket's news) brings the lists up
// to date, keeping the time being typed.
import type { Handover, Incident } from '../../services/contracts/index.ts';
import { esc } from './format.ts';
import { num, parseTownInput, shiftStart, t, townInput, townTime } from './i18n/i18n.ts';
import { incidentRows } from './incident-rows.ts';
import { api } from './session.ts';
import { closeButton, PanelView, timeField } from './views.ts';

export interface HandoverViewDeps {
  now: () => number;
  districtName: (id: string) => string;
  close: () => void;
}

export class HandoverView extends PanelView {
  readonly #deps: HandoverViewDeps;
  #since: string | undefined;
  #answer: Handover | undefined;
  /** answers to older requests are dropped */
  #asked = 0;

  constructor(deps: HandoverViewDeps) {
    super();
    this.#deps = deps;
  }

  protected opened(): void {
    void this.#load();
  }

  incidentsChanged(changed: readonly Incident[]): void {
    if (changed.length) this.refreshSoon();
  }

  protected override refresh(): void {
    void this.#load(true);
  }

  protected render(): void {
    const el = this.el;
    if (!el) return;
    this.#since ??= townInput(shiftStart(this.#deps.now()));
    const h = this.#answer;
    el.innerHTML = `<div class="handover-view">
      <div class="view-head"><h2>${esc(t('handover.title'))}</h2>${closeButton()}</div>
      <form class="filters">
        ${timeField('since', t('handover.since'), this.#since)}
        <button type="submit" data-action="show">${esc(t('handover.show'))}</button>
      </form>
      <div class="view-status dim" role="status">${h ? esc(t('handover.range', { since: townTime(h.since, 'dateTime'), at: townTime(h.at, 'dateTime') })) : ''}</div>
      <div class="handover-lists">${this.#lists()}</div>
    </div>`;
    const root = el.querySelector('.handover-view')!;
    root.querySelector('[data-action="close"]')!.addEventListener('click', () => this.#deps.close());
    const form = root.querySelector<HTMLFormElement>('form.filters')!;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.#since = String(new FormData(form).get('since') ?? '');
      void this.#load();
    });
  }

  #lists(): string {
    const h = this.#answer;
    if (!h) return '';
    const list = (key: 'opened' | 'changed' | 'stillOpen', label: string) =>
      `<section class="handover-list" data-list="${key}"><h3>${esc(label)} <span class="n">${esc(num(h.totals[key], 0))}</span></h3>${incidentRows(h[key], this.#deps.districtName, t('handover.none'))}</section>`;
    return `${list('opened', t('handover.opened'))}${list('changed', t('handover.changed'))}${list('stillOpen', t('handover.stillOpen'))}`;
  }

  /** `again`: the same time brought up to date; only the lists and the status are redrawn (the time being typed stays). */
  async #load(again = false): Promise<void> {
    const since = parseTownInput(this.#since ?? '');
    if (since === undefined) return again ? undefined : this.status(t('input.badTime', { hint: t('input.timeHint') }));
    const asked = ++this.#asked;
    const res = await api(`/api/incidents/handover?since=${since}`);
    const body = (await res.json().catch(() => ({}))) as Handover & { error?: { message: string } };
    if (asked !== this.#asked) return;
    if (!res.ok) return this.status(body.error?.message ?? `HTTP ${res.status}`);
    this.#answer = body;
    const lists = this.el?.querySelector('.handover-view .handover-lists');
    if (!again || !lists) return this.render();
    lists.innerHTML = this.#lists();
    this.status(t('handover.range', { since: townTime(body.since, 'dateTime'), at: townTime(body.at, 'dateTime') }));
  }
}
