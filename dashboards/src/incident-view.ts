// One incident, opened from the list or a link (#incident/INC-000123): what, where
// and when on the town's clock, its evidence readings on charts of its devices'
// metrics around the opening time (from the store, GET /api/series, with the rule's
// threshold), its devices (and the consequences a root-cause incident absorbed)
// highlighted on the map, its whole history, comments, assignee, acknowledge, and
// resolve behind a dialog that needs a comment. Buttons only for roles that may act.
import type { DeviceKind } from '../../devices/index.ts';
import type { Incident, IncidentChange } from '../../services/contracts/index.ts';
import { may } from './access.ts';
import { timeChart, type TimeChart } from './chart.ts';
import { esc, metricLabel, unitLabel, type Kinds } from './format.ts';
import { num, t, townTime, tOr } from './i18n/i18n.ts';
import { api, getJson, postJson, type Me } from './session.ts';
import { ruleThresholds } from './thresholds.ts';
import { closeButton, type Route, type View } from './views.ts';

const MIN = 60_000;
/** the charts show this long before the opening and after it (or up to now) */
const BEFORE_MS = 30 * MIN;
const AFTER_MS = 30 * MIN;
/** devices drawn per chart: a district's group incident may name many */
const MAX_CHART_DEVICES = 6;
const COLOURS = ['#58a6ff', '#d2a8ff', '#ffa657', '#7ee787', '#ff7b72', '#79c0ff'];

export interface IncidentViewDeps {
  me: Me;
  kinds: Kinds;
  rules: readonly unknown[];
  offsetMin: () => number;
  now: () => number;
  districtName: (id: string) => string;
  /** highlight these devices on the map (none: clear) */
  highlight: (devices: readonly string[]) => void;
  /** an action changed the incident (the list follows) */
  changed: (incident: Incident) => void;
  close: () => void;
}

interface Assignee {
  name: string;
  role: string;
  utility?: string;
}

interface SeriesAnswer {
  points: { t: number; avg: number }[];
}

export class IncidentView implements View {
  readonly #deps: IncidentViewDeps;
  #el: HTMLElement | undefined;
  #id: string | undefined;
  #incident: Incident | undefined;
  #charts: TimeChart[] = [];
  #assignees: Assignee[] = [];
  /** bumped on every open, so an answer for an incident no longer shown is dropped */
  #generation = 0;

  constructor(deps: IncidentViewDeps) {
    this.#deps = deps;
    const dialog = document.getElementById('resolve-dialog') as HTMLDialogElement;
    dialog.querySelector('form')!.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const area = dialog.querySelector('textarea')!;
      const comment = area.value.trim();
      const status = dialog.querySelector('.dialog-status')!;
      // the API refuses it too (ERR_COMMENT_REQUIRED); the page says so before asking
      if (!comment) {
        status.textContent = t('incidents.commentNeeded');
        area.focus();
        return;
      }
      status.textContent = '';
      void this.#act('resolve', { comment }).then((ok) => {
        if (ok) dialog.close();
      });
    });
    dialog.querySelector('[data-action="cancel-resolve"]')!.addEventListener('click', () => dialog.close());
  }

  get id(): string | undefined {
    return this.#id;
  }

  open(route: Route, el: HTMLElement): void {
    if (route.view !== 'incident') return;
    this.#el = el;
    if (this.#id === route.id && this.#incident) return;
    this.#destroyCharts();
    this.#id = route.id;
    this.#incident = undefined;
    this.#assignees = [];
    const gen = ++this.#generation;
    el.innerHTML = `<p class="dim">${esc(t('chart.loading'))}</p>`;
    void (async () => {
      const res = await api(`/api/incidents/${encodeURIComponent(route.id)}`);
      if (gen !== this.#generation) return;
      if (!res.ok) {
        el.innerHTML = `<div class="incident-view">${this.#head(route.id)}<p class="error">${esc(t('incident.notFound', { id: route.id }))}</p></div>`;
        el.querySelector('[data-action="close"]')!.addEventListener('click', () => this.#deps.close());
        this.#deps.highlight([]);
        return;
      }
      this.#incident = (await res.json()) as Incident;
      this.#layout();
      this.#render();
      this.#deps.highlight(this.#incident.devices);
      if (may(this.#deps.me.user.role, 'assign') && this.#incident.state !== 'resolved') {
        const list = await getJson<{ users: Assignee[] }>(`/api/incidents/${encodeURIComponent(route.id)}/assignees`).catch(() => ({ users: [] }));
        if (gen !== this.#generation) return;
        this.#assignees = list.users;
        this.#render();
      }
      await this.#drawCharts(gen);
    })();
  }

  close(): void {
    this.#generation++;
    this.#destroyCharts();
    this.#id = undefined;
    this.#incident = undefined;
    this.#deps.highlight([]);
    (document.getElementById('resolve-dialog') as HTMLDialogElement).close();
  }

  relabel(): void {
    if (!this.#incident || !this.#el) return;
    this.#layout();
    this.#render();
    this.#destroyCharts();
    void this.#drawCharts(this.#generation);
  }

  /** Live updates: the open incident changed. */
  update(list: readonly Incident[]): void {
    const mine = list.find((i) => i.id === this.#id);
    if (!mine || !this.#incident) return;
    this.#incident = mine;
    this.#render();
    this.#deps.highlight(mine.devices);
  }

  #head(title: string): string {
    return `<div class="view-head"><h2>${esc(title)}</h2>${closeButton()}</div>`;
  }

  /** The frame: head, the parts re-rendered on each change, and the charts drawn once. */
  #layout(): void {
    const el = this.#el!;
    const i = this.#incident!;
    el.innerHTML = `<div class="incident-view" data-id="${esc(i.id)}">${this.#head(`${i.id}`)}
      <div class="incident-info"></div>
      <h3>${esc(t('incident.evidence'))}</h3>
      <div class="evidence-charts"><p class="dim">${esc(t('chart.loading'))}</p></div>
      <div class="incident-more"></div></div>`;
    const root = el.querySelector<HTMLElement>('.incident-view')!;
    root.querySelector<HTMLButtonElement>('[data-action="close"]')!.addEventListener('click', () => this.#deps.close());
    root.addEventListener('click', (ev) => this.#click(ev));
  }

  #render(): void {
    const el = this.#el;
    const i = this.#incident;
    if (!el || !i) return;
    const info = el.querySelector('.incident-info');
    const more = el.querySelector('.incident-more');
    if (!info || !more) return;
    const role = this.#deps.me.user.role;
    const when = (ms: number | undefined) => (ms === undefined ? '–' : townTime(ms, 'dateTime'));
    const fact = (label: string, value: string, cls = '') => `<dt>${esc(label)}</dt><dd${cls ? ` class="${cls}"` : ''}>${value}</dd>`;
    const status = info.querySelector('.view-status')?.textContent ?? '';
    const escalation = i.escalation ? t('incident.escalationStep', { step: num(i.escalation.step, 0), n: num(i.escalation.reminders, 0) }) : '';
    info.innerHTML = `
      <div class="incident-title"><span class="sev sev-${i.severity}">${esc(t(`severity.${i.severity}`))}</span>
        <span class="state" data-state="${i.state}">${esc(t(`state.${i.state}`))}</span>
        ${i.planned ? `<span class="planned" data-planned="1">${esc(t('incident.planned'))}</span>` : ''}
        <strong class="title">${esc(tOr(`rule.${i.ruleId}`, i.title))}</strong></div>
      <dl class="facts">
        ${fact(t('incident.utility'), esc(tOr(`utility.${i.utility}`, i.utility)))}
        ${fact(t('incident.district'), esc(this.#deps.districtName(i.district)))}
        ${fact(t('incident.asset'), esc(i.asset))}
        ${fact(t('incident.openedAt'), esc(when(i.openedAt)), 'opened')}
        ${fact(t('incident.acknowledgedAt'), esc(when(i.acknowledgedAt)), 'acknowledged')}
        ${fact(t('incident.resolvedAt'), esc(when(i.resolvedAt)), 'resolved')}
        ${fact(t('incident.assignee'), esc(i.assignee ?? t('incident.nobody')), 'assignee')}
        ${i.occurrences > 1 ? fact(t('incident.occurrencesLabel'), esc(num(i.occurrences, 0))) : ''}
        ${escalation ? fact(t('incident.escalation'), esc(escalation)) : ''}
      </dl>
      ${this.#actions()}
      <div class="view-status dim" role="status">${esc(status)}</div>`;
    const draft = more.querySelector('textarea')?.value ?? '';
    const evidence = new Set(i.evidence.map((e) => e.deviceId));
    const comments = i.history.filter((h) => h.action === 'commented' || (h.comment && h.by !== 'rules' && h.by !== 'escalation'));
    more.innerHTML = `
      <h3>${esc(t('incident.devices'))}</h3>
      <ul class="devices">${i.devices
        .map((d) => `<li data-device="${esc(d)}">${esc(d)} <span class="dim">${esc(t(evidence.has(d) || d === i.asset ? 'incident.deviceEvidence' : 'incident.deviceConsequence'))}</span></li>`)
        .join('')}</ul>
      <h3>${esc(t('incident.comments'))}</h3>
      <ul class="comments">${comments.length ? comments.map((h) => `<li>${this.#entryHead(h)}<div class="text">${esc(h.comment ?? '')}</div></li>`).join('') : `<li class="dim">${esc(t('incident.noComments'))}</li>`}</ul>
      ${
        may(role, 'comment')
          ? `<form class="comment-form"><label><span>${esc(t('incident.commentLabel'))}</span><textarea name="comment" rows="2" maxlength="10000"></textarea></label>
             <div><button type="submit" data-action="comment">${esc(t('incident.addComment'))}</button></div></form>`
          : ''
      }
      <h3>${esc(t('incident.history'))}</h3>
      ${i.foldedRepeats ? `<p class="dim">${esc(t('incident.folded', { n: num(i.foldedRepeats, 0) }))}</p>` : ''}
      <ol class="history">${i.history.map((h) => `<li data-action="${h.action}">${this.#entryHead(h)}${this.#entryDetail(h)}</li>`).join('')}</ol>`;
    const form = more.querySelector<HTMLFormElement>('.comment-form');
    if (form) {
      form.querySelector('textarea')!.value = draft;
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const area = form.querySelector('textarea')!;
        const comment = area.value.trim();
        if (!comment) return this.#status(t('incident.commentEmpty'));
        void this.#act('comment', { comment }).then((ok) => {
          // the answer re-rendered the form (keeping the draft): empty the one on screen now
          const now = this.#el?.querySelector<HTMLTextAreaElement>('.comment-form textarea');
          if (ok && now) now.value = '';
        });
      });
    }
  }

  #actions(): string {
    const i = this.#incident!;
    const role = this.#deps.me.user.role;
    if (i.state === 'resolved') return '';
    const out: string[] = [];
    if (i.state === 'open' && may(role, 'acknowledge')) out.push(`<button type="button" data-action="acknowledge">${esc(t('incidents.acknowledge'))}</button>`);
    if (may(role, 'resolve')) out.push(`<button type="button" data-action="resolve">${esc(t('incidents.resolve'))}</button>`);
    if (may(role, 'assign')) {
      const names = new Set(this.#assignees.map((u) => u.name));
      if (i.assignee) names.add(i.assignee);
      const options = [`<option value="">${esc(t('incident.nobody'))}</option>`, ...[...names].map((n) => `<option value="${esc(n)}"${n === i.assignee ? ' selected' : ''}>${esc(n)}</option>`)];
      out.push(
        `<label class="assign"><span>${esc(t('incident.assignee'))}</span> <select class="assignee" aria-label="${esc(t('incident.assignee'))}">${options.join('')}</select></label> <button type="button" data-action="assign">${esc(t('incident.assign'))}</button>`,
      );
    }
    return out.length ? `<div class="actions view-actions">${out.join(' ')}</div>` : '';
  }

  #entryHead(h: IncidentChange): string {
    return `<span class="when">${esc(townTime(h.at, 'dateTime'))}</span> · <span class="what">${esc(tOr(`action.${h.action}`, h.action))}</span> · <span class="by">${esc(tOr(`by.${h.by}`, h.by))}</span>`;
  }

  #entryDetail(h: IncidentChange): string {
    const parts: string[] = [];
    if (h.action === 'assigned') parts.push(t('incident.assignedTo', { name: h.assignee ?? t('incident.nobody') }));
    if (h.step !== undefined) parts.push(t('incident.step', { step: num(h.step, 0) }));
    if (h.routes?.length) parts.push(h.routes.map((r) => tOr(`utility.${r}`, r)).join(', '));
    if (h.comment) parts.push(`“${h.comment}”`);
    return parts.length ? ` <span class="detail">${esc(parts.join(' · '))}</span>` : '';
  }

  #status(text: string): void {
    const s = this.#el?.querySelector('.view-status');
    if (s) s.textContent = text;
  }

  #click(ev: Event): void {
    const button = (ev.target as HTMLElement).closest('button');
    const action = button?.dataset.action;
    if (!action || !this.#incident) return;
    if (action === 'acknowledge') void this.#act('acknowledge', {});
    else if (action === 'assign') {
      const name = this.#el!.querySelector<HTMLSelectElement>('select.assignee')!.value;
      void this.#act('assign', { assignee: name || null });
    } else if (action === 'resolve') {
      const dialog = document.getElementById('resolve-dialog') as HTMLDialogElement;
      dialog.querySelector('.dialog-title')!.textContent = t('resolve.title', { id: this.#incident.id });
      dialog.querySelector('textarea')!.value = '';
      dialog.querySelector('.dialog-status')!.textContent = '';
      dialog.showModal();
    }
  }

  /** Posts an action on the open incident; true when the server took it. */
  async #act(action: 'acknowledge' | 'resolve' | 'comment' | 'assign', body: Record<string, unknown>): Promise<boolean> {
    const id = this.#incident!.id;
    const res = await postJson(`/api/incidents/${encodeURIComponent(id)}/${action}`, body);
    const json = (await res.json().catch(() => ({}))) as Incident & { error?: { message: string } };
    if (!res.ok) {
      const msg = json.error?.message ?? `HTTP ${res.status}`;
      this.#status(msg);
      const dialogStatus = document.querySelector('#resolve-dialog[open] .dialog-status');
      if (dialogStatus) dialogStatus.textContent = msg;
      return false;
    }
    if (json.id !== this.#id) return true;
    this.#incident = json;
    this.#render();
    this.#status(t('incidents.done', { id, state: t(`action.${action === 'acknowledge' ? 'acknowledged' : action === 'resolve' ? 'resolved' : action === 'comment' ? 'commented' : 'assigned'}`), name: this.#deps.me.user.name }));
    this.#deps.changed(json);
    return true;
  }

  #destroyCharts(): void {
    for (const c of this.#charts) c.chart.destroy();
    this.#charts = [];
  }

  /** A chart per metric of the evidence: each device's readings around the opening, the evidence as dots, the rule's threshold dashed. */
  async #drawCharts(gen: number): Promise<void> {
    const i = this.#incident;
    const box = this.#el?.querySelector('.evidence-charts');
    if (!i || !box) return;
    const kind: DeviceKind | undefined = this.#deps.kinds.get(i.kind);
    const metrics = [...new Set(i.evidence.flatMap((e) => Object.keys(e.metrics)))].filter((m) => !kind || m in kind.metrics);
    if (metrics.length === 0 && kind) metrics.push(kind.headline);
    const devices = [...new Set([...i.evidence.map((e) => e.deviceId), ...i.devices])].slice(0, MAX_CHART_DEVICES);
    const from = i.openedAt - BEFORE_MS;
    const to = Math.max(from + MIN, Math.min(this.#deps.now(), i.openedAt + AFTER_MS));
    const thresholds = ruleThresholds((this.#deps.rules as { id?: string }[]).filter((r) => r.id === i.ruleId));
    const series = await Promise.all(
      metrics.flatMap((metric) =>
        devices.map(async (deviceId) => {
          const q = new URLSearchParams({ deviceId, metric, from: String(from), to: String(to) });
          const res = await api(`/api/series?${q}`);
          const points = res.ok ? ((await res.json()) as SeriesAnswer).points : [];
          return { metric, deviceId, points };
        }),
      ),
    );
    if (gen !== this.#generation) return;
    box.innerHTML = metrics
      .map(
        (m) => `<figure class="evidence" data-metric="${esc(m)}"><figcaption>${esc(metricLabel(m))}${kind?.metrics[m] && unitLabel(kind.metrics[m].unit) ? `, ${esc(unitLabel(kind.metrics[m].unit))}` : ''}
          <span class="legend">${devices.map((d, n) => `<span><i style="background:${COLOURS[n % COLOURS.length]}"></i>${esc(d)}</span>`).join('')}</span></figcaption>
          <div class="chart"><canvas></canvas></div></figure>`,
      )
      .join('');
    metrics.forEach((metric, n) => {
      const fig = box.querySelectorAll('figure')[n]!;
      const tc = timeChart(fig.querySelector('canvas')!, this.#deps.offsetMin);
      tc.setSpec({ spec: kind?.metrics[metric], aggregate: 'mean', thresholds: thresholds.get(`${i.kind}.${metric}`) ?? [] }, 1);
      tc.setWindow(from, to);
      const datasets = devices.map((deviceId, d) => ({
        label: deviceId,
        data: series.find((s) => s.metric === metric && s.deviceId === deviceId)!.points.map((p) => ({ x: p.t, y: p.avg })),
        borderColor: COLOURS[d % COLOURS.length]!,
        backgroundColor: 'transparent',
        fill: false,
        pointRadius: 0,
        borderWidth: 2,
        tension: 0.2,
      }));
      const evidence = i.evidence.filter((e) => metric in e.metrics).map((e) => ({ x: e.ts, y: e.metrics[metric]! }));
      tc.chart.data.datasets = [
        ...datasets,
        { label: t('incident.evidenceReading'), data: evidence, showLine: false, pointRadius: 4, pointBackgroundColor: '#f85149', borderColor: '#f85149', backgroundColor: '#f85149' } as never,
      ];
      tc.chart.update();
      // for tests and curious operators: how many stored readings and evidence readings it draws
      fig.dataset.series = String(datasets.reduce((a, d) => a + d.data.length, 0));
      fig.dataset.evidence = String(evidence.length);
      this.#charts.push(tc);
    });
    if (metrics.length === 0) box.innerHTML = `<p class="dim">${esc(t('incident.noEvidence'))}</p>`;
  }
}
