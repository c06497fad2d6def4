// Incidents as rows of a view's list (the search's results, the shift handover's
// three lists): severity, title, where, opened and resolved on the town's clock. A
// row is a link to the incident's view.
import type { Incident } from '../../services/contracts/index.ts';
import { esc } from './format.ts';
import { t, townTime, tOr } from './i18n/i18n.ts';
import { hashOf } from './views.ts';

export function incidentRows(list: readonly Incident[], districtName: (id: string) => string, empty: string): string {
  if (list.length === 0) return `<p class="dim none">${esc(empty)}</p>`;
  const rows = list.map(
    (i) => `<li class="row sev-${i.severity}" data-id="${esc(i.id)}" data-state="${i.state}">
      <a href="${esc(hashOf({ view: 'incident', id: i.id }))}"><span class="sev sev-${i.severity}">${esc(t(`severity.${i.severity}`))}</span> <span class="title">${esc(tOr(`rule.${i.ruleId}`, i.title))}</span></a>
      <span class="id dim">${esc(i.id)}</span>${i.planned ? ` <span class="planned">${esc(t('incident.planned'))}</span>` : ''}
      <div class="dim">${esc(i.asset)} · ${esc(districtName(i.district))} · ${esc(tOr(`utility.${i.utility}`, i.utility))} · ${esc(t(`state.${i.state}`))}</div>
      <div class="dim">${esc(t('col.opened'))} ${esc(townTime(i.openedAt, 'dateTime'))}${i.resolvedAt !== undefined ? ` · ${esc(t('col.resolved'))} ${esc(townTime(i.resolvedAt, 'dateTime'))}` : ''}</div>
    </li>`,
  );
  return `<ul class="rows">${rows.join('')}</ul>`;
}
