// The pinned incident panel: unresolved incidents, most severe first, always on
// screen. Acknowledge and resolve appear only for the roles that may (the server
// checks again and records the logged-in user); resolving asks for a comment and a
// confirmation. Clicking an incident opens its view (incident-view.ts), which
// highlights its devices on the map. A heating outage shows its district's time to
// freeze and an incident with a response deadline (a pressed care alarm) counts
// down to it, red once passed (deadlines.ts; tick() each second).
import type { Incident } from '../../services/contracts/index.ts';
import { may } from './access.ts';
import { deadlineLines, tickDeadlines } from './deadlines.ts';
import { esc } from './format.ts';
import { num, t, townTime, tOr } from './i18n/i18n.ts';
import { postJson, type Me } from './session.ts';

const RANK: Record<string, number> = { critical: 0, major: 1, minor: 2, warning: 3 };

export interface IncidentPanelDeps {
  me: Me;
  /** the server's clock (deadlines count down on it) */
  now: () => number;
  districtName: (id: string) => string;
  /** the incidents changed (the alarm and the map follow) */
  onChange: (unresolved: Incident[]) => void;
  /** an incident was picked (its view opens), or the picked one again (the view closes: undefined) */
  onOpen: (id: string | undefined) => void;
}

export class IncidentPanel {
  readonly #deps: IncidentPanelDeps;
  readonly #incidents = new Map<string, Incident>();
  #selected: string | undefined;
  #resolving: string | undefined;

  constructor(deps: IncidentPanelDeps) {
    this.#deps = deps;
    const list = document.getElementById('incident-list')!;
    list.addEventListener('click', (ev) => this.#click(ev));
    list.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.target as HTMLElement).matches('li.incident')) this.#click(ev);
    });
  }

  get unresolved(): Incident[] {
    return [...this.#incidents.values()];
  }

  /** Devices named in an unresolved incident, for the map. */
  devices(): Set<string> {
    const out = new Set<string>();
    for (const i of this.#incidents.values()) for (const d of i.devices) out.add(d);
    return out;
  }

  set(list: Incident[]): void {
    this.#incidents.clear();
    this.upsert(list);
  }

  upsert(list: Incident[]): void {
    for (const i of list) {
      if (i.state === 'resolved') this.#incidents.delete(i.id);
      else this.#incidents.set(i.id, i);
    }
    this.render();
    this.#deps.onChange(this.unresolved);
  }

  #may(action: 'acknowledge' | 'resolve'): boolean {
    return may(this.#deps.me.user.role, action);
  }

  /** Marks the incident whose view is open (none: undefined). */
  select(id: string | undefined): void {
    if (this.#selected === id) return;
    this.#selected = id;
    this.render();
  }

  render(): void {
    const list = document.getElementById('incident-list')!;
    // a live update re-renders the list; a comment being typed survives it
    const draft = list.querySelector('textarea')?.value;
    const rows = [...this.#incidents.values()].sort((a, b) => RANK[a.severity]! - RANK[b.severity]! || b.openedAt - a.openedAt);
    document.getElementById('incident-count')!.textContent = num(rows.length, 0);
    if (rows.length === 0) {
      list.innerHTML = `<li class="none">${esc(t('incidents.none'))}</li>`;
      return;
    }
    list.innerHTML = rows
      .map((i) => {
        const title = tOr(`rule.${i.ruleId}`, i.title);
        const actions = [
          i.state === 'open' && this.#may('acknowledge') ? `<button type="button" data-action="acknowledge">${esc(t('incidents.acknowledge'))}</button>` : '',
          this.#may('resolve') ? `<button type="button" data-action="resolve">${esc(t('incidents.resolve'))}</button>` : '',
        ].join('');
        const resolving =
          this.#resolving === i.id
            ? `<form class="resolve-form"><label>${esc(t('incidents.comment'))}<textarea name="comment" rows="2" maxlength="2000"></textarea></label>
               <div class="form-actions"><button type="submit" data-action="confirm-resolve">${esc(t('incidents.confirmResolve'))}</button><button type="button" data-action="cancel">${esc(t('incidents.cancel'))}</button></div></form>`
            : '';
        return `<li class="incident sev-${i.severity}${this.#selected === i.id ? ' selected' : ''}" data-id="${esc(i.id)}" data-state="${i.state}" data-severity="${i.severity}" tabindex="0">
          <div class="line1"><span class="sev sev-${i.severity}">${esc(t(`severity.${i.severity}`))}</span> <span class="title">${esc(title)}</span></div>
          <div class="line2">${esc(i.asset)} · ${esc(this.#deps.districtName(i.district))} · ${esc(tOr(`utility.${i.utility}`, i.utility))}</div>
          <div class="line3 dim">${esc(t('incidents.opened', { time: townTime(i.openedAt, 'dateTime') }))} · ${esc(t(`state.${i.state}`))}${i.occurrences > 1 ? ` · ${esc(t('incidents.occurrences', { n: num(i.occurrences, 0) }))}` : ''}${i.conditionCleared ? ` · ${esc(t('incidents.conditionClear'))}` : ''}</div>
          ${deadlineLines(i, this.#deps.districtName)}
          ${actions ? `<div class="actions">${actions}</div>` : ''}${resolving}
        </li>`;
      })
      .join('');
    this.tick();
    const form = list.querySelector<HTMLFormElement>('.resolve-form');
    if (form) {
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const comment = (form.elements.namedItem('comment') as HTMLTextAreaElement).value.trim();
        if (!comment) return this.#status(t('incidents.commentNeeded'));
        void this.#act(this.#resolving!, 'resolve', comment);
      });
      const area = form.querySelector('textarea')!;
      if (draft) area.value = draft;
      area.focus();
    }
  }

  /** Counts the deadlines down (each second, on the server's clock). */
  tick(): void {
    tickDeadlines(document.getElementById('incident-list')!, this.#deps.now());
  }

  #status(text: string): void {
    document.getElementById('incident-status')!.textContent = text;
  }

  #click(ev: Event): void {
    const target = ev.target as HTMLElement;
    const item = target.closest<HTMLElement>('li.incident');
    if (!item) return;
    const id = item.dataset.id!;
    const action = target.closest('button')?.dataset.action;
    if (action === 'acknowledge') return void this.#act(id, 'acknowledge');
    if (action === 'resolve') {
      this.#resolving = id;
      return this.render();
    }
    if (action === 'cancel') {
      this.#resolving = undefined;
      return this.render();
    }
    if (target.closest('form')) return;
    this.#deps.onOpen(this.#selected === id ? undefined : id);
  }

  async #act(id: string, action: 'acknowledge' | 'resolve', comment?: string): Promise<void> {
    const res = await postJson(`/api/incidents/${encodeURIComponent(id)}/${action}`, comment ? { comment } : {});
    const json = (await res.json()) as Incident & { error?: { message: string } };
    if (!res.ok) return this.#status(json.error?.message ?? `HTTP ${res.status}`);
    if (action === 'resolve') this.#resolving = undefined;
    this.#status(t('incidents.done', { id: json.id, state: t(`state.${json.state}`), name: this.#deps.me.user.name }));
    this.upsert([json]);
  }
}
