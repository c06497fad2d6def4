// Incidents: a rule signal becomes one incident per rule and asset (dedup), with a
// lifecycle open → acknowledged → resolved. Repeats and flapping while unresolved
// are counted on the incident, never raised again. Every change is journalled
// (fsync) before it is announced, so incidents survive a restart or a kill -9.
import { join } from 'node:path';
import { QalaError } from '../contracts/errors.ts';
import type { Clock, Incident, IncidentChange, IncidentState, RuleSignal, Severity } from '../contracts/index.ts';
import type { EventBus } from '../events.ts';
import { Journal } from '../durable/journal.ts';

export interface IncidentFilter {
  state?: IncidentState | 'unresolved';
  utility?: string;
  subsystem?: string;
  district?: string;
  severity?: Severity;
  ruleId?: string;
  limit?: number;
}

export interface IncidentManagerDeps {
  dataDir: string;
  clock: Pick<Clock, 'now'>;
  /** listens for ruleSignalled, emits incidentChanged */
  events: EventBus;
}

const OWNER = 'incidents';

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, major: 1, minor: 2, warning: 3 };

export class IncidentManager {
  readonly #deps: IncidentManagerDeps;
  readonly #journal: Journal<Incident>;
  readonly #byId = new Map<string, Incident>();
  /** rule|asset → the unresolved incident */
  readonly #open = new Map<string, Incident>();
  #seq = 0;

  constructor(deps: IncidentManagerDeps) {
    this.#deps = deps;
    this.#journal = new Journal<Incident>(join(deps.dataDir, 'incidents.jsonl'));
  }

  async start(): Promise<void> {
    for (const inc of this.#journal.replay()) this.#index(inc);
    // one line per incident from now on: the last snapshot of each
    this.#journal.compact([...this.#byId.values()]);
    this.#deps.events.on('ruleSignalled', OWNER, (s) => this.#signalled(s));
  }

  async stop(): Promise<void> {
    this.#deps.events.removeListeners(OWNER);
    this.#journal.close();
  }

  get tornLines(): number {
    return this.#journal.tornLines;
  }

  #index(inc: Incident): void {
    this.#byId.set(inc.id, inc);
    const key = `${inc.ruleId}|${inc.asset}`;
    if (inc.state === 'resolved') {
      if (this.#open.get(key)?.id === inc.id) this.#open.delete(key);
    } else this.#open.set(key, inc);
    const n = Number(inc.id.slice(4));
    if (Number.isFinite(n)) this.#seq = Math.max(this.#seq, n);
  }

  #commit(inc: Incident, change: IncidentChange): Incident {
    inc.history.push(change);
    inc.updatedAt = change.at;
    this.#journal.append(inc);
    this.#index(inc);
    this.#deps.events.emit('incidentChanged', { incident: inc, change });
    return inc;
  }

  /** A rule signal from the engine (it arrives on the event bus). */
  #signalled(s: RuleSignal): void {
    const key = `${s.ruleId}|${s.asset}`;
    const existing = this.#open.get(key);
    if (s.type === 'raised' || s.type === 'repeated') {
      if (existing) {
        existing.occurrences++;
        existing.flaps = Math.max(existing.flaps, s.flaps);
        existing.conditionCleared = false;
        existing.devices = [...new Set([...existing.devices, ...s.devices])];
        existing.evidence = s.evidence;
        this.#commit(existing, { at: s.at, action: 'repeated', by: 'rules' });
        return;
      }
      if (s.type === 'repeated') return; // resolved by an operator meanwhile: the next raise opens anew
      const inc: Incident = {
        id: `INC-${String(++this.#seq).padStart(6, '0')}`,
        ruleId: s.ruleId,
        title: s.title,
        severity: s.severity,
        state: 'open',
        subsystem: s.subsystem,
        utility: s.utility,
        district: s.district,
        asset: s.asset,
        kind: s.kind,
        devices: s.devices,
        evidence: s.evidence,
        occurrences: 1,
        flaps: 0,
        openedAt: s.at,
        updatedAt: s.at,
        conditionCleared: false,
        history: [],
      };
      this.#commit(inc, { at: s.at, action: 'opened', by: 'rules' });
      return;
    }
    if (!existing) return;
    existing.conditionCleared = true;
    if (s.autoResolve) {
      existing.state = 'resolved';
      existing.resolvedAt = s.at;
      this.#commit(existing, { at: s.at, action: 'auto-resolved', by: 'rules', comment: 'condition clear' });
    } else {
      this.#commit(existing, { at: s.at, action: 'condition-cleared', by: 'rules' });
    }
  }

  acknowledge(id: string, by: string, comment?: string): Incident {
    const inc = this.get(id);
    if (inc.state !== 'open') throw new QalaError('ERR_INCIDENT_STATE', `incident ${id} is ${inc.state}; only an open incident can be acknowledged`);
    inc.state = 'acknowledged';
    inc.acknowledgedAt = this.#deps.clock.now();
    return this.#commit(inc, { at: inc.acknowledgedAt, action: 'acknowledged', by, ...(comment ? { comment } : {}) });
  }

  resolve(id: string, by: string, comment?: string): Incident {
    const inc = this.get(id);
    if (inc.state === 'resolved') throw new QalaError('ERR_INCIDENT_STATE', `incident ${id} is already resolved`);
    inc.state = 'resolved';
    inc.resolvedAt = this.#deps.clock.now();
    return this.#commit(inc, { at: inc.resolvedAt, action: 'resolved', by, ...(comment ? { comment } : {}) });
  }

  get(id: string): Incident {
    const inc = this.#byId.get(id);
    if (!inc) throw new QalaError('ERR_INCIDENT_NOT_FOUND', `no incident "${id}"`);
    return inc;
  }

  /** Newest first within severity, unresolved before resolved. */
  list(f: IncidentFilter = {}): Incident[] {
    const out = [...this.#byId.values()].filter(
      (i) =>
        (!f.state || (f.state === 'unresolved' ? i.state !== 'resolved' : i.state === f.state)) &&
        (!f.utility || i.utility === f.utility) &&
        (!f.subsystem || i.subsystem === f.subsystem) &&
        (!f.district || i.district === f.district) &&
        (!f.severity || i.severity === f.severity) &&
        (!f.ruleId || i.ruleId === f.ruleId),
    );
    out.sort((a, b) => Number(a.state === 'resolved') - Number(b.state === 'resolved') || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.openedAt - a.openedAt);
    return out.slice(0, f.limit ?? 500);
  }

  counts(): Record<IncidentState, number> {
    const c = { open: 0, acknowledged: 0, resolved: 0 };
    for (const i of this.#byId.values()) c[i.state]++;
    return c;
  }
}
