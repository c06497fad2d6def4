// The incident panel: unresolved incidents, most severe first, with acknowledge and
// resolve for the roles that may (the server records the logged-in user as who
// acted, and checks the role again). Fed by /live, acted on over REST.
import type { Incident, Role } from '../../services/contracts/index.ts';
import { postJson, type Me } from './session.ts';

const RANK: Record<string, number> = { critical: 0, major: 1, minor: 2, warning: 3 };
const incidents = new Map<string, Incident>();
/** what the logged-in role may do (services/api/incident-routes.ts ACTION_ROLES) */
const MAY: Record<'acknowledge' | 'resolve', readonly Role[]> = { acknowledge: ['admin', 'operator', 'utility'], resolve: ['admin', 'operator'] };
let role: Role = 'viewer';

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
        <td class="actions">${i.state === 'open' && MAY.acknowledge.includes(role) ? '<button data-action="acknowledge">Ack</button>' : ''}${MAY.resolve.includes(role) ? '<button data-action="resolve">Resolve</button>' : ''}</td>
      </tr>`,
    )
    .join('');
  if (rows.length === 0) body.innerHTML = '<tr><td colspan="8" class="dim">No open incidents.</td></tr>';
}

export function wireIncidentPanel(me: Me): void {
  role = me.user.role;
  document.querySelector('#incidents tbody')!.addEventListener('click', (ev) => {
    const button = (ev.target as HTMLElement).closest('button');
    const row = button?.closest('tr');
    if (!button || !row) return;
    const status = document.getElementById('incident-status')!;
    button.disabled = true;
    void postJson(`/api/incidents/${encodeURIComponent(row.dataset.id!)}/${button.dataset.action}`).then(async (res) => {
      const json = (await res.json()) as Incident & { error?: { message: string } };
      if (!res.ok) {
        status.textContent = json.error?.message ?? `HTTP ${res.status}`;
        button.disabled = false;
        return;
      }
      status.textContent = `${json.id} ${json.state} by ${me.user.name}`;
      upsertIncidents([json]);
    });
  });
  render();
}
