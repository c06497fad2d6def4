// Rule signals (what the rules engine emits) and incidents (what the incident
// manager keeps and announces). A signal carries everything incidents need, so
// incidents never ask the rules engine anything back.
export type Severity = 'critical' | 'major' | 'minor' | 'warning';
export const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const satisfies readonly Severity[];

export interface Evidence {
  deviceId: string;
  ts: number;
  metrics: Record<string, number>;
}

export type SignalType = 'raised' | 'repeated' | 'cleared';

export interface RuleSignal {
  type: SignalType;
  ruleId: string;
  title: string;
  severity: Severity;
  /** whether the incident resolves itself once the condition clears */
  autoResolve: boolean;
  /** the device, or the district of a group rule */
  asset: string;
  district: string;
  subsystem: string;
  utility: string;
  kind: string;
  devices: string[];
  evidence: Evidence[];
  at: number;
  /** platform time at which the rules engine emitted the signal (`at` is device time, possibly earlier) */
  raisedAt?: number;
  flaps: number;
}

export type IncidentState = 'open' | 'acknowledged' | 'resolved';

export const INCIDENT_ACTIONS = [
  'opened', 'repeated', 'acknowledged', 'resolved', 'auto-resolved', 'condition-cleared',
  /** an operator's note; `comment` holds it */
  'commented',
  /** `assignee` holds who now owns it (absent: nobody) */
  'assigned',
  /** not acknowledged in time: the escalation policy's step `step` notified `routes` */
  'escalated',
  /** still not acknowledged: notified again */
  'reminded',
  /** not acknowledged by its response deadline (`escalation.deadlineAt`): its routes are told again */
  'deadline-missed',
  /** a heating outage's time to freeze computed or refreshed (the outdoor temperature changed): `timeToFreeze` holds it */
  'freeze-estimated',
] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

export interface IncidentChange {
  /** platform time for people's and escalation's changes; device time for the rules' */
  at: number;
  action: IncidentAction;
  /** the logged-in user's name, `rules`, or `escalation` */
  by: string;
  comment?: string;
  /** 'assigned': the new assignee (absent when unassigned) */
  assignee?: string;
  /** 'escalated': the step reached (1-based) */
  step?: number;
  /** 'escalated' / 'reminded': the route names (routes file `utility`) notified */
  routes?: string[];
}

export interface Incident {
  id: string;
  ruleId: string;
  title: string;
  severity: Severity;
  state: IncidentState;
  subsystem: string;
  utility: string;
  district: string;
  asset: string;
  kind: string;
  devices: string[];
  evidence: Evidence[];
  occurrences: number;
  flaps: number;
  /** when the condition last came back after clearing (a flap) */
  lastFlapAt?: number;
  /** rule-driven history entries (repeats, clears) folded out of `history` to bound it */
  foldedRepeats?: number;
  openedAt: number;
  updatedAt: number;
  acknowledgedAt?: number;
  resolvedAt?: number;
  /** true once the condition has cleared (the incident may still wait for an operator) */
  conditionCleared: boolean;
  history: IncidentChange[];
  /** the user who owns it now (POST /api/incidents/:id/assign) */
  assignee?: string;
  /** operator comments kept in `history` (bounded by QALA_INCIDENT_MAX_COMMENTS) */
  comments?: number;
  /**
   * Opened while a matching silence (maintenance window) was active: planned works,
   * recorded but not notified. Interruption statistics (ISO 37120) count it apart
   * from unplanned ones. `plannedBy` is that silence's id.
   */
  planned?: boolean;
  plannedBy?: string;
  /** escalation while unacknowledged: the policy, the last step taken, reminders sent, next due (platform time) */
  escalation?: IncidentEscalation;
  /** routes an escalation added: they hear of every later change too */
  escalatedTo?: string[];
  /** a heating outage: how long until its district's flats cool to the habitable limit (services/kpis/freeze.ts) */
  timeToFreeze?: IncidentFreeze;
}

/**
 * Time to freeze of a heating outage, as last estimated: Newton's law of cooling
 * with the building stock's time constant τ, from the indoor temperature the model
 * had reached at `at` and the district's outdoor temperature then. Re-estimated when
 * the outdoor temperature moves; between estimates `limitAt` stands.
 */
export interface IncidentFreeze {
  /** platform time (ms) of this estimate */
  at: number;
  /** the district's outdoor temperature at `at` (its substations' sensors, else the town's) */
  outdoorC: number;
  /** the building stock's thermal time constant, hours */
  tauH: number;
  /** the flats' temperature when the heat stopped */
  indoorStartC: number;
  /** the model's indoor temperature at `at` */
  indoorC: number;
  /** the habitable limit */
  limitC: number;
  /** hours from `at` until the limit; 0 once reached; null when the outdoor air is no colder than the limit */
  remainingH: number | null;
  /** platform time (ms) the limit is (or was) reached; null: never at this outdoor temperature */
  limitAt: number | null;
}

export interface IncidentEscalation {
  policy: string;
  /** steps taken so far (0: none yet) */
  step: number;
  reminders: number;
  /** platform time (ms) of the next step or reminder; absent once nothing more is due */
  nextAt?: number;
  /** platform time (ms) by which it must be acknowledged: the policy's `responseMinutes` after opening */
  deadlineAt?: number;
  /** platform time (ms) the deadline was found missed (a 'deadline-missed' history entry) */
  deadlineMissedAt?: number;
}

/** What a silence matches: every given field must equal the incident's (a device: one of its devices or its asset). */
export interface SilenceMatch {
  utility?: string;
  district?: string;
  device?: string;
  ruleId?: string;
}

/**
 * A repeating window, after RFC 5545 RRULE (FREQ=DAILY or WEEKLY, BYDAY, UNTIL =
 * the silence's `endsAt`): it opens at `startsAt`'s time of day on each matching day
 * and lasts `durationMs`.
 */
export interface SilenceRecurrence {
  freq: 'daily' | 'weekly';
  /** weekly: the days it opens on (0 = Sunday … 6 = Saturday, as RRULE's SU…SA); default startsAt's day */
  byDay?: number[];
  durationMs: number;
  /** the fixed offset byDay's days are counted in (Kazakhstan: +300, one zone with no DST since 2024); default 0 (UTC) */
  utcOffsetMinutes?: number;
}

/** A silence or maintenance window: matching incidents are recorded (planned) but not notified. */
export interface Silence {
  id: string;
  match: SilenceMatch;
  /** platform time (ms); a recurring silence's first window opens here */
  startsAt: number;
  /** when it ends for good */
  endsAt: number;
  recurrence?: SilenceRecurrence;
  /** why (planned works order, reason) */
  comment: string;
  createdBy: string;
  createdAt: number;
  /** ended early by someone (DELETE /api/silences/:id) */
  expiredAt?: number;
  expiredBy?: string;
}

export type SilenceState = 'active' | 'pending' | 'expired';

/** A silence as the API lists it: with its state now and, if recurring, its next window. */
export interface SilenceView extends Silence {
  state: SilenceState;
  /** the window in force now or next: [start, end] */
  window?: [number, number];
}

/** Searching incident history (GET /api/incidents/search): newest first, paged. */
export interface IncidentSearch {
  /** incidents active at some point in [from, to): opened before `to`, unresolved or resolved at/after `from` */
  from?: number;
  to?: number;
  state?: IncidentState | 'unresolved';
  utility?: string;
  district?: string;
  subsystem?: string;
  severity?: Severity;
  ruleId?: string;
  planned?: boolean;
  assignee?: string;
  limit: number;
  /** the `next` of the previous page */
  cursor?: string;
}

export interface IncidentPage {
  count: number;
  incidents: Incident[];
  /** give as `cursor` for the next page; absent on the last */
  next?: string;
}

/** What changed since a time (GET /api/incidents/handover): a shift handover. */
export interface Handover {
  since: number;
  at: number;
  /** opened since (by the time of their `opened` entry) */
  opened: Incident[];
  /** changed since by anything but opening (acknowledged, commented, assigned, escalated, resolved…) */
  changed: Incident[];
  /** still unresolved now */
  stillOpen: Incident[];
  /** how many each list had before `limit` cut it */
  totals: { opened: number; changed: number; stillOpen: number };
}

/** Escalation policies (QALA_ESCALATION_FILE), as GET /api/escalation lists them. */
export interface EscalationStep {
  /** minutes after opening without acknowledgement */
  afterMinutes: number;
  /** route names to notify (the routes file's `utility`); empty: the incident's own routes again */
  routes: string[];
}

export interface EscalationPolicy {
  id: string;
  /** every given field must match: the incident's utility, severity, rule */
  match: { utilities?: string[]; severities?: Severity[]; rules?: string[] };
  steps: EscalationStep[];
  /** after the last step, remind every this many minutes until acknowledged (0: no reminders) */
  remindEveryMinutes: number;
  /** a response deadline: not acknowledged this many minutes after opening, the incident records 'deadline-missed' and its routes hear of it again */
  responseMinutes?: number;
  /** built into the platform (the care-alarm response policy), not read from QALA_ESCALATION_FILE */
  builtin?: boolean;
}

/** Which incidents to list (REST query, live hello); unresolved first, most severe first. */
export interface IncidentFilter {
  state?: IncidentState | 'unresolved';
  utility?: string;
  subsystem?: string;
  district?: string;
  severity?: Severity;
  ruleId?: string;
  limit?: number;
}

export interface IncidentChanged {
  incident: Incident;
  change: IncidentChange;
}

/** What is published (retained while open) on city/<town>/incidents/<utility>/<id>. */
export interface IncidentMessage {
  event: `incident.${IncidentChange['action']}`;
  change: IncidentChange;
  incident: Incident;
}
