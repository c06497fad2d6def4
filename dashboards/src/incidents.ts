// The incident panel: unresolved incidents, most severe first, with acknowledge and
// resolve for the operator named in the header. Fed by /live, acted on over REST.
import type { Incident } from '../../services/contracts/index.ts';

const RANK: Record<string, number> = { critical: 0, major: 1, minor: 2, warning: 3 };
const incidents = new Map<string, Incident>();

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const time = (t: number) => new Date(t).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** Devices named in an unresolved incident, for the map. */
export function incidentDevices(): Set<string> {
  const out = new Set<string>();
  for (const i of incidents.values()) for (const d of i.devices) out.add(d);
  return out;
}

export function setIncidents(list: Incident[]): void {
  incidents.clear();
  upsertIncidents(list);
}

export function upsertIncidents(list: Incident[]): void {
  for (const i of list) {
    if (i.state === 'resolved') incidents.delete(i.id);
    else incidents.set(i.id, i);
  }
  render();
}

function render(): void {
  const body = document.querySelector('#incidents tbody')!;
  const rows = [...incidents.values()].sort((a, b) => RANK[a.severity]! - RANK[b.severity]! || b.openedAt - a.openedAt);
  document.getElementById('incident-count')!.textContent = String(rows.length);
  body.innerHTML = rows
    .map(
      (i) => `<tr data-id="${esc(i.id)}" data-state="${i.state}">
        <td><span class="sev sev-${i.severity}">${i.severity}</span></td>
        <td>${esc(i.title)}<div class="dim">${esc(i.id)} · ${esc(i.ruleId)}</div></td>
        <td>${esc(i.asset)}<div class="dim">${esc(i.district)}</div></td>
        <td>${esc(i.utility)}</td>
        <td>${time(i.openedAt)}</td>
        <td class="num">${i.occurrences}</td>
        <td>${i.state}${i.conditionCleared ? '<div class="dim">condition clear</div>' : ''}</td>
        <td class="actions">${i.state === 'open' ? '<button data-action="acknowledge">Ack</button>' : ''}<button data-action="resolve">Resolve</button></td>
      </tr>`,
    )
    .join('');
  if (rows.length === 0) body.innerHTML = '<tr><td colspan="8" class="dim">No open incidents.</td></tr>';
}

export function wireIncidentPanel(): void {
  const operator = document.getElementById('operator') as HTMLInputElement;
  operator.value = localStorage.getItem('qala.operator') ?? '';
  operator.addEventListener('change', () => localStorage.setItem('qala.operator', operator.value.trim()));
  document.querySelector('#incidents tbody')!.addEventListener('click', (ev) => {
    const button = (ev.target as HTMLElement).closest('button');
    const row = button?.closest('tr');
    if (!button || !row) return;
    const name = operator.value.trim();
    const status = document.getElementById('incident-status')!;
    if (!name) {
      status.textContent = 'Enter your name (operator) first.';
      operator.focus();
      return;
    }
    button.disabled = true;
    void fetch(`/api/incidents/${encodeURIComponent(row.dataset.id!)}/${button.dataset.action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operator: name }),
    }).then(async (res) => {
      const json = (await res.json()) as Incident & { error?: { message: string } };
      if (!res.ok) {
        status.textContent = json.error?.message ?? `HTTP ${res.status}`;
        button.disabled = false;
        return;
      }
      status.textContent = `${json.id} ${json.state} by ${name}`;
      upsertIncidents([json]);
    });
  });
  render();
}
