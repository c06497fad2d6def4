// #handover: the shift handover (GET /api/incidents/handover): what opened, what
// changed and what is still open since a chosen time, by default the start of the
// shift in progress on the town's clock (08:00 or 20:00).
import type { Handover } from '../../services/contracts/index.ts';
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

  constructor(deps: HandoverViewDeps) {
    super();
    this.#deps = deps;
  }

  protected opened(): void {
    void this.#load();
  }

  protected render(): void {
    const el = this.el;
    if (!el) return;
    this.#since ??= townInput(shiftStart(this.#deps.now()));
    const h = this.#answer;
    const list = (key: 'opened' | 'changed' | 'stillOpen', label: string) =>
      h
        ? `<section class="handover-list" data-list="${key}"><h3>${esc(label)} <span class="n">${esc(num(h.totals[key], 0))}</span></h3>${incidentRows(h[key], this.#deps.districtName, t('handover.none'))}</section>`
        : '';
    el.innerHTML = `<div class="handover-view">
      <div class="view-head"><h2>${esc(t('handover.title'))}</h2>${closeButton()}</div>
      <form class="filters">
        ${timeField('since', t('handover.since'), this.#since)}
        <button type="submit" data-action="show">${esc(t('handover.show'))}</button>
      </form>
      <div class="view-status dim" role="status">${h ? esc(t('handover.range', { since: townTime(h.since, 'dateTime'), at: townTime(h.at, 'dateTime') })) : ''}</div>
      ${list('opened', t('handover.opened'))}${list('changed', t('handover.changed'))}${list('stillOpen', t('handover.stillOpen'))}
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

  async #load(): Promise<void> {
    const since = parseTownInput(this.#since ?? '');
    if (since === undefined) return this.status(t('input.badTime', { hint: t('input.timeHint') }));
    const res = await api(`/api/incidents/handover?since=${since}`);
    const body = (await res.json().catch(() => ({}))) as Handover & { error?: { message: string } };
    if (!res.ok) return this.status(body.error?.message ?? `HTTP ${res.status}`);
    this.#answer = body;
    this.render();
  }
}
