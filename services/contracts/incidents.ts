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

export interface IncidentChange {
  at: number;
  action: 'opened' | 'repeated' | 'acknowledged' | 'resolved' | 'auto-resolved' | 'condition-cleared';
  by: string;
  comment?: string;
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
