// The page's views beside the incident column, chosen by the URL hash so each can be
// linked: #incident/INC-000123 (one incident), #search (resolved incidents),
// #handover (shift handover), #silences (maintenance windows). No hash: the tiles
// and the map. The incident view keeps the map beside it (its devices are
// highlighted there); the others take the tiles' and the map's place.
import type { Incident } from '../../services/contracts/index.ts';
import { esc } from './format.ts';
import { t } from './i18n/i18n.ts';

export type Route = { view: 'incident'; id: string } | { view: 'search' } | { view: 'handover' } | { view: 'silences' };

const INCIDENT = /^#incident\/([A-Za-z0-9_.:-]{1,64})$/;

export function parseHash(hash: string): Route | undefined {
  const m = INCIDENT.exec(hash);
  if (m) return { view: 'incident', id: decodeURIComponent(m[1]!) };
  if (hash === '#search' || hash === '#handover' || hash === '#silences') return { view: hash.slice(1) as 'search' | 'handover' | 'silences' };
  return undefined;
}

export const hashOf = (r: Route): string => (r.view === 'incident' ? `#incident/${encodeURIComponent(r.id)}` : `#${r.view}`);

/** A view's ✕ (data-action="close"), labelled in the page's language. */
export const closeButton = (): string => `<button type="button" class="close" data-action="close" title="${esc(t('view.close'))}" aria-label="${esc(t('view.close'))}">✕</button>`;

/** A time field on the town's clock ("2026-01-15 09:00"), with its label and format hint. */
export const timeField = (name: string, label: string, value: string, placeholder = t('input.timeHint')): string =>
  `<label><span>${esc(label)}</span> <input name="${esc(name)}" value="${esc(value)}" size="16" placeholder="${esc(placeholder)}" title="${esc(t('input.timeHint'))}"></label>`;

/**
 * How long an open view waits after a change it hears of before it asks the API
 * again: changes come in bursts (a rule's repeats, an acknowledgement and its
 * comment, a resolve), and one request answers a burst.
 */
export const REFRESH_DEBOUNCE_MS = 1000;

export interface View {
  /** shows the route's content in the element (called again when the route changes to another of this view) */
  open(route: Route, el: HTMLElement): void;
  close(): void;
  /** the language changed */
  relabel(): void;
  /** incidents opened, changed or resolved (the /live websocket's news; on a reconnection its whole list) */
  incidentsChanged?(changed: readonly Incident[]): void;
}

/** A view that draws itself whole into its element: on opening, on a language change, and when its data changes. */
export abstract class PanelView implements View {
  protected el: HTMLElement | undefined;
  #refreshTimer: number | undefined;

  open(_route: Route, el: HTMLElement): void {
    this.el = el;
    this.render();
    this.opened();
  }

  close(): void {
    this.el = undefined;
    window.clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
  }

  relabel(): void {
    this.render();
  }

  /** the element's content now (nothing when closed) */
  protected abstract render(): void;
  /** after the first draw of an opening: fetch what it shows */
  protected abstract opened(): void;

  /** Asks the API again REFRESH_DEBOUNCE_MS from the first of a burst of changes (nothing when closed). */
  protected refreshSoon(): void {
    if (!this.el || this.#refreshTimer !== undefined) return;
    this.#refreshTimer = window.setTimeout(() => {
      this.#refreshTimer = undefined;
      if (this.el) this.refresh();
    }, REFRESH_DEBOUNCE_MS);
  }

  /** fetches what the view shows again, keeping what is being typed in its forms */
  protected refresh(): void {}

  /** Says something on the view's status line. */
  protected status(text: string): void {
    const s = this.el?.querySelector('.view-status');
    if (s) s.textContent = text;
  }
}

export class Router {
  readonly #views: Partial<Record<Route['view'], View>>;
  readonly #el: HTMLElement;
  readonly #onRoute: (r: Route | undefined) => void;
  #current: Route | undefined;

  constructor(views: Partial<Record<Route['view'], View>>, onRoute: (r: Route | undefined) => void) {
    this.#views = views;
    this.#el = document.getElementById('view')!;
    this.#onRoute = onRoute;
    window.addEventListener('hashchange', () => this.#apply());
  }

  get current(): Route | undefined {
    return this.#current;
  }

  start(): void {
    this.#apply();
  }

  /** Goes to a route (a new history entry, so Back returns), or back to the tiles and map. */
  go(route: Route | undefined): void {
    if (route) location.hash = hashOf(route);
    else {
      history.pushState(null, '', location.pathname + location.search);
      this.#apply();
    }
  }

  relabel(): void {
    if (this.#current) this.#views[this.#current.view]?.relabel();
  }

  /** Tells the open view of incidents that changed, so it shows them without a reload. */
  incidentsChanged(changed: readonly Incident[]): void {
    if (this.#current) this.#views[this.#current.view]?.incidentsChanged?.(changed);
  }

  #apply(): void {
    const parsed = parseHash(location.hash);
    const next = parsed && this.#views[parsed.view] ? parsed : undefined;
    if (this.#current && (!next || next.view !== this.#current.view)) this.#views[this.#current.view]!.close();
    this.#current = next;
    if (next) document.body.dataset.view = next.view;
    else delete document.body.dataset.view;
    this.#el.hidden = !next;
    if (next) this.#views[next.view]!.open(next, this.#el);
    else this.#el.replaceChildren();
    this.#onRoute(next);
  }
}
