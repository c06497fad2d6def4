// #silences: silences and maintenance windows (GET /api/silences): the active and
// planned ones with what they match, when (and how they repeat), who made them and
// why; ended ones are left out. A role that may (dashboards/src/access.ts, as
// services/api/silence-routes.ts SILENCE_ROLES) creates one (utility, district,
// device, rule; start, end; daily or weekly repeat, RFC 5545 RRULE as the API reads
// it) and ends one; a viewer sees the list and no button. A utility user's silences
// always match its own utility.
//
// The /live websocket carries no silence news (services/live/ knows incidents and
// devices only), so while open the view asks for the list every SILENCES_POLL_MS:
// a silence another operator adds or ends shows within that, and only the list is
// redrawn (a new silence being typed stays).
import { UTILITIES } from '../../devices/index.ts';
import type { SilenceView as Silence } from '../../services/contracts/index.ts';
import { may } from './access.ts';
import { esc } from './format.ts';
import { num, parseTownInput, t, townInput, townTime, tOr } from './i18n/i18n.ts';
import { api, postJson, type Me } from './session.ts';
import { closeButton, PanelView, timeField } from './views.ts';

const HOUR = 3_600_000;
/** how often an open silences view asks for the list again (one small GET, only while the view is open) */
export const SILENCES_POLL_MS = 5000;

export interface SilencesViewDeps {
  me: Me;
  now: () => number;
  offsetMin: () => number;
  districts: readonly { id: string; name: string }[];
  ruleIds: readonly string[];
  districtName: (id: string) => string;
  close: () => void;
}

export class SilencesView extends PanelView {
  readonly #deps: SilencesViewDeps;
  #list: Silence[] | undefined;
  #poll: number | undefined;
  /** answers to older requests are dropped */
  #asked = 0;

  constructor(deps: SilencesViewDeps) {
    super();
    this.#deps = deps;
  }

  protected opened(): void {
    void this.#load();
    window.clearInterval(this.#poll);
    this.#poll = window.setInterval(() => this.refresh(), SILENCES_POLL_MS);
  }

  override close(): void {
    super.close();
    window.clearInterval(this.#poll);
    this.#poll = undefined;
  }

  protected override refresh(): void {
    if (this.el) void this.#load();
  }

  async #load(): Promise<void> {
    const asked = ++this.#asked;
    const res = await api('/api/silences');
    const body = (await res.json().catch(() => ({}))) as { silences?: Silence[]; error?: { message: string } };
    if (asked !== this.#asked || !this.el) return;
    if (!res.ok || !body.silences) return this.status(body.error?.message ?? `HTTP ${res.status}`);
    // active first, then planned by start; ended ones are history (the audit log keeps them)
    this.#list = body.silences.filter((s) => s.state !== 'expired').sort((a, b) => Number(a.state !== 'active') - Number(b.state !== 'active') || a.startsAt - b.startsAt);
    const box = this.el.querySelector('.silences-view .silence-list');
    // the list only: a new silence being typed in the form below stays
    if (box) box.innerHTML = this.#rows();
    else this.render();
  }

  #match(s: Silence): string {
    const m = s.match;
    return [
      m.utility ? `${t('search.utility')}: ${tOr(`utility.${m.utility}`, m.utility)}` : '',
      m.district ? `${t('search.district')}: ${this.#deps.districtName(m.district)}` : '',
      m.device ? `${t('silences.device')}: ${m.device}` : '',
      m.ruleId ? `${t('search.rule')}: ${tOr(`rule.${m.ruleId}`, m.ruleId)}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
  }

  #repeat(s: Silence): string {
    const r = s.recurrence;
    if (!r) return t('silences.once');
    const duration = t('silences.hours', { n: num(r.durationMs / HOUR, 1) });
    if (r.freq === 'daily') return t('silences.daily', { duration });
    const days = (r.byDay ?? []).map((d) => t(`day.${d}` as 'day.0')).join(', ');
    return t('silences.weekly', { days, duration });
  }

  #rows(): string {
    const canAct = may(this.#deps.me.user.role, 'silence');
    const list = this.#list;
    return list
      ? list.length
        ? `<ul class="rows silences">${list
            .map(
              (s) => `<li class="silence" data-id="${esc(s.id)}" data-state="${s.state}">
            <div><span class="badge state-${s.state}">${esc(t(`silences.state.${s.state}`))}</span> <strong class="match">${esc(this.#match(s))}</strong> <span class="id dim">${esc(s.id)}</span></div>
            <div><span class="dim">${esc(t('silences.window'))}:</span> ${esc(townTime(s.startsAt, 'dateTime'))} – ${esc(townTime(s.endsAt, 'dateTime'))} · <span class="dim">${esc(t('silences.repeat'))}:</span> <span class="repeat">${esc(this.#repeat(s))}</span>${
              s.recurrence && s.window ? ` · <span class="dim">${esc(t('silences.next', { from: townTime(s.window[0], 'dateTime'), to: townTime(s.window[1], 'dateTime') }))}</span>` : ''
            }</div>
            <div><span class="dim">${esc(t('silences.who'))}:</span> ${esc(s.createdBy)} · <span class="dim">${esc(t('silences.why'))}:</span> <span class="why">${esc(s.comment)}</span></div>
            ${canAct ? `<div class="actions"><button type="button" data-action="expire">${esc(t('silences.expire'))}</button></div>` : ''}
          </li>`,
            )
            .join('')}</ul>`
        : `<p class="dim none">${esc(t('silences.none'))}</p>`
      : '';
  }

  protected render(): void {
    const el = this.el;
    if (!el) return;
    const canAct = may(this.#deps.me.user.role, 'silence');
    el.innerHTML = `<div class="silences-view">
      <div class="view-head"><h2>${esc(t('silences.title'))}</h2>${closeButton()}</div>
      <div class="view-status dim" role="status">${esc(el.querySelector('.silences-view .view-status')?.textContent ?? '')}</div>
      <div class="silence-list">${this.#rows()}</div>
      ${canAct ? this.#form() : ''}
    </div>`;
    const root = el.querySelector('.silences-view')!;
    root.querySelector('[data-action="close"]')!.addEventListener('click', () => this.#deps.close());
    root.querySelector('.silence-list')!.addEventListener('click', (ev) => {
      const button = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-action="expire"]');
      const id = button?.closest<HTMLElement>('li.silence')?.dataset.id;
      if (id) void this.#expire(id);
    });
    const form = root.querySelector<HTMLFormElement>('form.new-silence');
    if (form) {
      const repeat = form.querySelector<HTMLSelectElement>('select[name="repeat"]')!;
      const showRepeat = () => {
        form.querySelector<HTMLElement>('.weekly')!.hidden = repeat.value !== 'weekly';
        form.querySelector<HTMLElement>('.duration')!.hidden = repeat.value === '';
      };
      repeat.addEventListener('change', showRepeat);
      showRepeat();
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        void this.#create(form);
      });
    }
  }

  #form(): string {
    const own = this.#deps.me.user.utility;
    const now = this.#deps.now();
    const select = (name: string, label: string, options: [string, string][], fixed?: string) =>
      `<label><span>${esc(label)}</span> <select name="${name}"${fixed ? ' disabled' : ''}><option value="">${esc(t('search.any'))}</option>${options
        .map(([v, text]) => `<option value="${esc(v)}"${fixed === v ? ' selected' : ''}>${esc(text)}</option>`)
        .join('')}</select></label>`;
    return `<h3>${esc(t('silences.new'))}</h3>
      <form class="filters new-silence">
        ${select('utility', t('search.utility'), UTILITIES.map((u) => [u, tOr(`utility.${u}`, u)]), own)}
        ${select('district', t('search.district'), this.#deps.districts.map((d) => [d.id, d.name]))}
        <label><span>${esc(t('silences.device'))}</span> <input name="device" size="12" maxlength="64"></label>
        ${select('rule', t('search.rule'), this.#deps.ruleIds.map((r) => [r, tOr(`rule.${r}`, r)]))}
        ${timeField('startsAt', t('silences.starts'), townInput(now))}
        ${timeField('endsAt', t('silences.ends'), townInput(now + 4 * HOUR))}
        <label><span>${esc(t('silences.repeat'))}</span> <select name="repeat"><option value="">${esc(t('silences.repeatNone'))}</option><option value="daily">${esc(t('silences.repeatDaily'))}</option><option value="weekly">${esc(t('silences.repeatWeekly'))}</option></select></label>
        <fieldset class="weekly"><legend>${esc(t('silences.days'))}</legend>${[1, 2, 3, 4, 5, 6, 0]
          .map((d) => `<label class="day"><input type="checkbox" name="byDay" value="${d}"> ${esc(t(`day.${d}` as 'day.0'))}</label>`)
          .join('')}</fieldset>
        <label class="duration"><span>${esc(t('silences.duration'))}</span> <input name="hours" type="number" min="0.25" max="168" step="0.25" value="4"></label>
        <label class="why"><span>${esc(t('silences.comment'))}</span> <textarea name="comment" rows="2" maxlength="2000"></textarea></label>
        <button type="submit" data-action="create">${esc(t('silences.create'))}</button>
      </form>`;
  }

  async #create(form: HTMLFormElement): Promise<void> {
    const data = new FormData(form);
    const text = (k: string) => String(data.get(k) ?? '').trim();
    const match: Record<string, string> = {};
    const utility = this.#deps.me.user.utility ?? text('utility');
    if (utility) match.utility = utility;
    if (text('district')) match.district = text('district');
    if (text('device')) match.device = text('device');
    if (text('rule')) match.ruleId = text('rule');
    if (Object.keys(match).length === 0) return this.status(t('silences.needMatch'));
    const startsAt = parseTownInput(text('startsAt'));
    const endsAt = parseTownInput(text('endsAt'));
    if (startsAt === undefined || endsAt === undefined) return this.status(t('input.badTime', { hint: t('input.timeHint') }));
    if (startsAt >= endsAt) return this.status(t('input.fromBeforeTo'));
    const comment = text('comment');
    if (!comment) return this.status(t('silences.needWhy'));
    const body: Record<string, unknown> = { match, startsAt, endsAt, comment };
    const repeat = text('repeat');
    if (repeat === 'daily' || repeat === 'weekly') {
      const byDay = data.getAll('byDay').map(Number);
      // byDay's weekdays are the town's (RFC 5545 BYDAY in the silence's utcOffsetMinutes)
      body.recurrence = {
        freq: repeat,
        durationMs: Math.round(Number(text('hours')) * HOUR),
        utcOffsetMinutes: this.#deps.offsetMin(),
        ...(repeat === 'weekly' && byDay.length ? { byDay } : {}),
      };
    }
    const res = await postJson('/api/silences', body);
    const answer = (await res.json().catch(() => ({}))) as { id?: string; error?: { message: string } };
    if (!res.ok) return this.status(answer.error?.message ?? `HTTP ${res.status}`);
    this.status(t('silences.created', { id: answer.id ?? '' }));
    await this.#load();
  }

  async #expire(id: string): Promise<void> {
    const res = await api(`/api/silences/${encodeURIComponent(id)}`, { method: 'DELETE' });
    const answer = (await res.json().catch(() => ({}))) as { error?: { message: string } };
    if (!res.ok) return this.status(answer.error?.message ?? `HTTP ${res.status}`);
    this.status(t('silences.ended', { id }));
    await this.#load();
  }
}
