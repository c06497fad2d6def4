// Incidents: a rule signal becomes one incident per rule and asset (dedup), with a
// lifecycle open → acknowledged → resolved. Repeats and flapping while unresolved
// are counted on the incident, never raised again; a condition that comes back
// soon after its incident resolved itself reopens that incident (a flap) rather
// than opening another. Every change is journalled (fsync) before it is
// announced, so incidents survive a restart or a kill -9; the journal holds a
// snapshot per incident and then only the changes (see incident-log.ts), and is
// compacted at start and whenever it grows well past the live state.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { QalaError } from '../contracts/errors.ts';
import type { Clock, Handover, Incident, IncidentChange, IncidentEscalation, IncidentFilter, IncidentFreeze, IncidentPage, IncidentSearch, IncidentState, RuleSignal, Severity, Silence, Timer } from '../contracts/index.ts';
import type { EventBus } from '../events.ts';
import { compactionDue, DEFAULT_COMPACTION, Journal, type CompactionPolicy } from '../durable/journal.ts';
import { applyPatch, pushChange, replayLine, type IncidentLine, type IncidentPatch } from './incident-log.ts';
import { handover, search } from './search.ts';

export type { IncidentFilter };

/** Which active silence (maintenance window) covers an incident at a time, if any (silences.ts). */
export interface SilenceMatcher {
  matching(incident: Incident, at: number): Silence | undefined;
}

/** The escalation an incident starts with when it opens, if a policy covers it (escalation.ts). */
export interface EscalationPlanner {
  plan(incident: Incident, now: number): IncidentEscalation | undefined;
}

/** A heating outage's time to freeze when it opens, if the incident is one and an outdoor temperature is known (services/kpis/freeze-watch.ts). */
export interface FreezeEstimator {
  estimate(incident: Incident, now: number): IncidentFreeze | undefined;
}

/** Comments per incident and characters per comment, by default (QALA_INCIDENT_MAX_COMMENTS, QALA_INCIDENT_COMMENT_MAX_CHARS). */
export const DEFAULT_MAX_COMMENTS = 100;
export const DEFAULT_COMMENT_MAX_CHARS = 2000;

export interface IncidentManagerDeps {
  dataDir: string;
  /** `setTimeout`, when given, announces the last state of a flapping incident once it goes quiet */
  clock: Pick<Clock, 'now'> & Partial<Pick<Clock, 'setTimeout'>>;
  /** listens for ruleSignalled, emits incidentChanged */
  events: EventBus;
  log?: Pick<Logger, 'warn' | 'error'>;
  /** a raise this soon (device time) after an incident resolved itself reopens it as a flap; default 15 min */
  flapWindowMs?: number;
  /** while an incident flaps past its kept history, announce it at most this often; default 60 s */
  flapNotifyMs?: number;
  /** when to compact the journal while running; default 4× the live state and over 4 MiB */
  compaction?: CompactionPolicy;
  /** an incident opened under an active silence is marked planned */
  silences?: SilenceMatcher;
  /** an incident that opens (or reopens) gets its escalation plan */
  escalation?: EscalationPlanner;
  /** a heating outage opens with its time to freeze */
  freeze?: FreezeEstimator;
  maxComments?: number;
  maxCommentChars?: number;
  /** resolved incidents older than this (by resolvedAt, against the clock) are dropped at start and at each compaction (QALA_INCIDENT_RETENTION_DAYS) */
  retentionMs?: number;
}

const OWNER = 'incidents';
const FLAP_WINDOW_MS = 15 * 60_000;
const FLAP_NOTIFY_MS = 60_000;

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, major: 1, minor: 2, warning: 3 };

/** Acknowledged or resolved: no further escalation step or reminder is due (the steps taken and the response deadline stay recorded). */
const escalationDone = (inc: Incident): IncidentPatch => {
  if (inc.escalation?.nextAt === undefined) return {};
  const { nextAt: _due, ...kept } = inc.escalation;
  return { escalation: kept };
};

export class IncidentManager {
  readonly #deps: IncidentManagerDeps;
  readonly #journal: Journal<IncidentLine>;
  readonly #byId = new Map<string, Incident>();
  /** rule|asset → the unresolved incident */
  readonly #open = new Map<string, Incident>();
  /** rule|asset → its last incident that resolved itself (the one a flap reopens) */
  readonly #autoResolved = new Map<string, Incident>();
  /** flapping incidents: when each was last announced, and the change held back since */
  readonly #announced = new Map<string, number>();
  readonly #held = new Map<string, { change: IncidentChange; timer?: Timer }>();
  /** the journal's live size estimate: snapshot bytes at the last compaction plus snapshots since */
  #liveBytes = 0;
  #seq = 0;
  readonly #stats = { changes: 0, foldedChanges: 0, heldNotifications: 0, compactions: 0, compactionErrors: 0, pruned: 0 };

  constructor(deps: IncidentManagerDeps) {
    this.#deps = deps;
    this.#journal = new Journal<IncidentLine>(join(deps.dataDir, 'incidents.jsonl'));
  }

  async start(): Promise<void> {
    let unapplied = 0;
    for (const line of this.#journal.records()) {
      if ('seq' in line && typeof line.seq === 'number') this.#seq = Math.max(this.#seq, line.seq);
      else if (!replayLine(this.#byId, line)) unapplied++;
    }
    for (const inc of this.#byId.values()) this.#index(inc);
    if (this.tornLines > 0 || unapplied > 0 || this.#journal.oversizeLines > 0) {
      this.#deps.log?.warn({ file: this.#journal.path, torn: this.tornLines, oversize: this.#journal.oversizeLines, unapplied }, 'incidents journal: skipped lines');
    }
    // one snapshot line per incident from now on
    this.#journal.compact(this.#snapshots());
    this.#liveBytes = this.#journal.bytes;
    this.#deps.events.on('ruleSignalled', OWNER, (s) => this.#signalled(s));
  }

  async stop(): Promise<void> {
    this.#deps.events.removeListeners(OWNER);
    for (const h of this.#held.values()) h.timer?.cancel();
    this.#held.clear();
    await this.#journal.idle();
    this.#journal.close();
  }

  get tornLines(): number {
    return this.#journal.tornLines;
  }

  stats() {
    return { ...this.#stats, journalBytes: this.#journal.bytes, liveBytes: this.#liveBytes };
  }

  *#snapshots(): Generator<IncidentLine> {
    this.#prune();
    yield { seq: this.#seq };
    for (const inc of this.#byId.values()) yield { snap: inc };
  }

  /**
   * Forgets resolved incidents past the retention, so the journal and memory stay
   * bounded over years; 400 days by default keeps a whole year for the annual city
   * indicators (ISO 37120 reports per year) with a month's margin.
   */
  #prune(): void {
    if (this.#deps.retentionMs === undefined) return;
    const before = this.#deps.clock.now() - this.#deps.retentionMs;
    for (const [id, inc] of this.#byId) {
      if (inc.state !== 'resolved' || (inc.resolvedAt ?? Infinity) >= before) continue;
      this.#byId.delete(id);
      const key = `${inc.ruleId}|${inc.asset}`;
      if (this.#autoResolved.get(key)?.id === id) this.#autoResolved.delete(key);
      this.#stats.pruned++;
    }
  }

  #index(inc: Incident): void {
    this.#byId.set(inc.id, inc);
    const key = `${inc.ruleId}|${inc.asset}`;
    if (inc.state === 'resolved') {
      if (this.#open.get(key)?.id === inc.id) this.#open.delete(key);
      const last = inc.history[inc.history.length - 1];
      if (last?.action === 'auto-resolved' && (this.#autoResolved.get(key)?.resolvedAt ?? -Infinity) <= (inc.resolvedAt ?? 0)) this.#autoResolved.set(key, inc);
      else if (this.#autoResolved.get(key)?.id === inc.id) this.#autoResolved.delete(key);
    } else {
      this.#open.set(key, inc);
      if (this.#autoResolved.get(key)?.id === inc.id) this.#autoResolved.delete(key);
    }
    const n = Number(inc.id.slice(4));
    if (Number.isFinite(n)) this.#seq = Math.max(this.#seq, n);
  }

  /** A new incident: journalled whole, as its snapshot. */
  #opened(inc: Incident, change: IncidentChange): Incident {
    inc.history.push(change);
    const line: IncidentLine = { snap: inc };
    this.#journal.append(line);
    this.#liveBytes += JSON.stringify(line).length + 1;
    this.#index(inc);
    this.#afterAppend();
    this.#announce(inc, change);
    return inc;
  }

  /** A change to an incident: only the change is journalled. */
  #commit(inc: Incident, change: IncidentChange, patch: IncidentPatch, flap = false): Incident {
    patch.updatedAt = change.at;
    // fsynced only when announced (#announce): a flap held back costs a write, not an fsync
    this.#journal.append({ id: inc.id, change, patch }, false);
    applyPatch(inc, patch);
    const folded = pushChange(inc, change);
    this.#stats.changes++;
    if (folded) this.#stats.foldedChanges++;
    this.#index(inc);
    this.#afterAppend();
    if (flap && (inc.foldedRepeats ?? 0) > 0) this.#announceFlap(inc, change);
    else this.#announce(inc, change);
    return inc;
  }

  #announce(inc: Incident, change: IncidentChange): void {
    const held = this.#held.get(inc.id);
    if (held) {
      held.timer?.cancel();
      this.#held.delete(inc.id);
    }
    if (this.#announced.has(inc.id)) this.#announced.set(inc.id, this.#deps.clock.now());
    this.#journal.sync(); // journalled before announced
    this.#deps.events.emit('incidentChanged', { incident: inc, change });
  }

  /**
   * A flapping incident (its history already folding) is announced at most once
   * per flapNotifyMs, as Alertmanager's group_interval batches an alert group's
   * changes: webhooks, MQTT and the live view get its state, not every flap. The
   * change held back is announced when the interval ends (with a timer clock) or
   * with the next change after it; the journal has every change either way.
   */
  #announceFlap(inc: Incident, change: IncidentChange): void {
    const every = this.#deps.flapNotifyMs ?? FLAP_NOTIFY_MS;
    const now = this.#deps.clock.now();
    const last = this.#announced.get(inc.id);
    if (last === undefined || now - last >= every) {
      this.#announced.set(inc.id, now);
      this.#announce(inc, change);
      return;
    }
    this.#stats.heldNotifications++;
    const held = this.#held.get(inc.id);
    if (held) {
      held.change = change;
      return;
    }
    const entry: { change: IncidentChange; timer?: Timer } = { change };
    this.#held.set(inc.id, entry);
    entry.timer = this.#deps.clock.setTimeout?.(() => {
      if (this.#held.get(inc.id) !== entry) return;
      this.#announced.set(inc.id, this.#deps.clock.now());
      this.#announce(inc, entry.change);
    }, last + every - now);
  }

  #afterAppend(): void {
    const policy = this.#deps.compaction ?? DEFAULT_COMPACTION;
    if (this.#journal.compacting || !compactionDue(this.#journal.bytes, this.#liveBytes, policy)) return;
    const startedAt = this.#journal.bytes;
    this.#journal
      .compactInBackground(this.#snapshots())
      .then(() => {
        this.#stats.compactions++;
        this.#liveBytes = Math.min(this.#liveBytes, this.#journal.bytes);
      })
      .catch((err: unknown) => {
        this.#stats.compactionErrors++;
        // try again only once the journal has grown by as much again
        this.#liveBytes = Math.max(this.#liveBytes, startedAt);
        this.#deps.log?.error({ err, file: this.#journal.path }, 'incidents journal: compaction failed; appending to the old journal');
      });
  }

  /** A rule signal from the engine (it arrives on the event bus). */
  #signalled(s: RuleSignal): void {
    const key = `${s.ruleId}|${s.asset}`;
    const existing = this.#open.get(key);
    if (s.type === 'raised' || s.type === 'repeated') {
      if (existing) {
        // a raise after the condition cleared, or a repeat, is the condition coming back
        const flapped = s.type === 'repeated' || existing.conditionCleared;
        const flaps = Math.max(existing.flaps + Number(flapped && existing.conditionCleared), s.flaps);
        const devices = [...new Set([...existing.devices, ...s.devices])];
        this.#commit(
          existing,
          { at: s.at, action: 'repeated', by: 'rules' },
          {
            occurrences: existing.occurrences + 1,
            flaps,
            ...(flaps > existing.flaps ? { lastFlapAt: s.at } : {}),
            conditionCleared: false,
            ...(devices.length !== existing.devices.length ? { devices } : {}),
            evidence: s.evidence,
          },
          true,
        );
        return;
      }
      if (s.type === 'repeated') return; // resolved by an operator meanwhile: the next raise opens anew
      const recent = this.#autoResolved.get(key);
      if (recent && recent.resolvedAt !== undefined && s.at - recent.resolvedAt <= (this.#deps.flapWindowMs ?? FLAP_WINDOW_MS)) {
        const devices = [...new Set([...recent.devices, ...s.devices])];
        this.#commit(
          recent,
          { at: s.at, action: 'repeated', by: 'rules', comment: 'reopened: the condition came back soon after clearing (flapping)' },
          {
            state: 'open',
            resolvedAt: null,
            acknowledgedAt: null,
            escalation: this.#deps.escalation?.plan(recent, this.#deps.clock.now()) ?? null,
            // the heat went off again: its time to freeze counts from this failure, not the last one
            ...(recent.timeToFreeze ? { timeToFreeze: this.#freezeFrom(recent, s.at) } : {}),
            occurrences: recent.occurrences + 1,
            flaps: recent.flaps + 1,
            lastFlapAt: s.at,
            conditionCleared: false,
            ...(devices.length !== recent.devices.length ? { devices } : {}),
            evidence: s.evidence,
          },
          true,
        );
        return;
      }
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
      // judged on the platform's clock: a silence is a statement about now (Alertmanager mutes at notification time)
      const now = this.#deps.clock.now();
      const silence = this.#deps.silences?.matching(inc, now);
      if (silence) {
        inc.planned = true;
        inc.plannedBy = silence.id;
      }
      const plan = this.#deps.escalation?.plan(inc, now);
      if (plan) inc.escalation = plan;
      const freeze = this.#deps.freeze?.estimate(inc, now);
      if (freeze) inc.timeToFreeze = freeze;
      this.#opened(inc, { at: s.at, action: 'opened', by: 'rules' });
      return;
    }
    if (!existing) return;
    if (s.autoResolve) {
      this.#commit(existing, { at: s.at, action: 'auto-resolved', by: 'rules', comment: 'condition clear' }, { state: 'resolved', resolvedAt: s.at, conditionCleared: true, ...escalationDone(existing) }, true);
    } else {
      this.#commit(existing, { at: s.at, action: 'condition-cleared', by: 'rules' }, { conditionCleared: true }, true);
    }
  }

  /** A reopened outage's estimate, as if it had opened at `at` (null: none can be made now). */
  #freezeFrom(inc: Incident, at: number): IncidentFreeze | null {
    const { timeToFreeze: _last, ...rest } = inc;
    return this.#deps.freeze?.estimate({ ...rest, openedAt: at }, this.#deps.clock.now()) ?? null;
  }

  acknowledge(id: string, by: string, comment?: string): Incident {
    const inc = this.get(id);
    if (inc.state !== 'open') throw new QalaError('ERR_INCIDENT_STATE', `incident ${id} is ${inc.state}; only an open incident can be acknowledged`);
    comment = this.#checkComment(comment, false);
    const at = this.#deps.clock.now();
    return this.#commit(inc, { at, action: 'acknowledged', by, ...(comment ? { comment } : {}) }, { state: 'acknowledged', acknowledgedAt: at, ...escalationDone(inc) });
  }

  resolve(id: string, by: string, comment?: string): Incident {
    const inc = this.get(id);
    if (inc.state === 'resolved') throw new QalaError('ERR_INCIDENT_STATE', `incident ${id} is already resolved`);
    comment = this.#checkComment(comment, false);
    const at = this.#deps.clock.now();
    return this.#commit(inc, { at, action: 'resolved', by, ...(comment ? { comment } : {}) }, { state: 'resolved', resolvedAt: at, ...escalationDone(inc) });
  }

  /** An operator's note. Bounded in count and length; a refusal says which limit. */
  comment(id: string, by: string, text: string): Incident {
    const inc = this.get(id);
    const body = this.#checkComment(text, true)!;
    const max = this.#deps.maxComments ?? DEFAULT_MAX_COMMENTS;
    if ((inc.comments ?? 0) >= max) {
      throw new QalaError('ERR_INCIDENT_COMMENTS_FULL', `incident ${id} already has ${max} comments, the most it keeps (QALA_INCIDENT_MAX_COMMENTS)`);
    }
    return this.#commit(inc, { at: this.#deps.clock.now(), action: 'commented', by, comment: body }, { comments: (inc.comments ?? 0) + 1 });
  }

  /** Gives the incident to `assignee` (undefined: to nobody). Who may be assigned is the caller's to check. */
  assign(id: string, by: string, assignee: string | undefined, comment?: string): Incident {
    const inc = this.get(id);
    const note = this.#checkComment(comment, false);
    if (inc.state === 'resolved') throw new QalaError('ERR_INCIDENT_STATE', `incident ${id} is resolved; only an unresolved incident can be assigned`);
    const change: IncidentChange = { at: this.#deps.clock.now(), action: 'assigned', by, ...(assignee !== undefined ? { assignee } : {}), ...(note ? { comment: note } : {}) };
    return this.#commit(inc, change, { assignee: assignee ?? null });
  }

  /** An escalation step taken: `routes` were notified (the notifier reads them from the change). */
  escalate(id: string, step: number, routes: string[], escalation: IncidentEscalation): Incident {
    const inc = this.get(id);
    const escalatedTo = [...new Set([...(inc.escalatedTo ?? []), ...routes])];
    return this.#commit(inc, { at: this.#deps.clock.now(), action: 'escalated', by: 'escalation', step, routes }, { escalation, escalatedTo });
  }

  /** Not acknowledged by its response deadline: recorded, and its routes are told again (the notifier delivers the change). */
  missDeadline(id: string, escalation: IncidentEscalation): Incident {
    const inc = this.get(id);
    return this.#commit(inc, { at: this.#deps.clock.now(), action: 'deadline-missed', by: 'escalation' }, { escalation });
  }

  /** A reminder sent while nobody acknowledges. */
  remind(id: string, routes: string[], escalation: IncidentEscalation): Incident {
    const inc = this.get(id);
    return this.#commit(inc, { at: this.#deps.clock.now(), action: 'reminded', by: 'escalation', routes }, { escalation });
  }

  /** A heating outage's time to freeze, estimated anew (the outdoor temperature moved): announced, so utilities get it. */
  estimateFreeze(id: string, freeze: IncidentFreeze): Incident {
    const inc = this.get(id);
    if (inc.state === 'resolved') throw new QalaError('ERR_INCIDENT_STATE', `incident ${id} is resolved; its time to freeze is no longer estimated`);
    return this.#commit(inc, { at: this.#deps.clock.now(), action: 'freeze-estimated', by: 'time-to-freeze' }, { timeToFreeze: freeze });
  }

  /** Sets an escalation plan without a history entry or an announcement (an incident opened before its policy existed). */
  planEscalation(id: string, escalation: IncidentEscalation): void {
    const inc = this.get(id);
    const patch: IncidentPatch = { escalation };
    this.#journal.append({ id, patch });
    applyPatch(inc, patch);
    this.#afterAppend();
  }

  #checkComment(text: string | undefined, required: boolean): string | undefined {
    const t = text?.trim();
    if (!t) {
      if (required) throw new QalaError('ERR_COMMENT_REQUIRED', 'a comment is required: say what was done or found');
      return undefined;
    }
    const max = this.#deps.maxCommentChars ?? DEFAULT_COMMENT_MAX_CHARS;
    if (t.length > max) throw new QalaError('ERR_COMMENT_TOO_LONG', `a comment of ${t.length} characters; at most ${max} are kept (QALA_INCIDENT_COMMENT_MAX_CHARS)`);
    return t;
  }

  /** Incident history, newest opened first, paged (search.ts). */
  search(q: IncidentSearch): IncidentPage {
    return search(this.#byId.values(), q);
  }

  /** What opened, changed and is still open since a time (search.ts). */
  handover(since: number, f: { utility?: string; limit: number }): Handover {
    return handover(this.#byId.values(), since, this.#deps.clock.now(), f);
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
