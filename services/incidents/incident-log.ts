// How an incident is kept in its journal and how its history stays bounded.
//
// The journal holds, per incident, one snapshot line (at opening and at each
// compaction) and then one small line per change: `{id, change, patch}`, where
// `patch` holds only the fields the change set (null deletes a field). Replaying
// a change applies its patch and pushes its history entry through `pushChange`,
// the same code the live manager runs, so a replay rebuilds the same incident.
//
// Flapping (a condition that clears and comes back, as a sensor hovering near a
// threshold does thousands of times a day) is counted on the incident
// (`occurrences`, `flaps`, `lastFlapAt`), not recorded without end: of the
// rule-driven entries after `opened` (repeated, condition-cleared, auto-resolved)
// history keeps the first HISTORY_KEEP and the last HISTORY_KEEP, and counts the
// ones folded away in `foldedRepeats` (Nagios keeps a flapping service's state
// and a flap count the same way instead of a notification per state change).
// Escalation's reminders (sent until someone acknowledges, maybe all weekend) and
// a heating outage's time-to-freeze re-estimates (each time the outdoor air moves)
// fold the same way. Operator entries (acknowledged, resolved, commented, assigned) and
// escalation steps are never folded; comments are bounded in count and length
// (QALA_INCIDENT_MAX_COMMENTS, QALA_INCIDENT_COMMENT_MAX_CHARS). So a history holds
// at most 1 + 2 × HISTORY_KEEP rule and reminder entries plus what operators did.
import type { Incident, IncidentChange } from '../contracts/index.ts';

export const HISTORY_KEEP = 10;

/** The fields a change may set; everything else about an incident is fixed at opening. */
export type IncidentPatch = {
  [K in
    | 'state' | 'occurrences' | 'flaps' | 'lastFlapAt' | 'conditionCleared' | 'devices' | 'evidence' | 'updatedAt' | 'acknowledgedAt' | 'resolvedAt'
    | 'assignee' | 'comments' | 'escalation' | 'escalatedTo' | 'timeToFreeze']?: Incident[K] | null;
};

export type IncidentLine =
  | { snap: Incident }
  /** a change; without `change`, bookkeeping that adds no history entry (an escalation planned) */
  | { id: string; change?: IncidentChange; patch: IncidentPatch }
  /** the last incident number given, written first at each compaction, so ids are never reused once old incidents are dropped */
  | { seq: number }
  /** what journals written before this format hold: the whole incident per change */
  | Incident;

/** A rule-driven entry that may be folded: anything the rules did after opening. */
const foldable = (c: IncidentChange): boolean => (c.by === 'rules' && c.action !== 'opened') || c.action === 'reminded' || c.action === 'freeze-estimated';

/**
 * Appends a change to an incident's history, folding the oldest of the last
 * HISTORY_KEEP repeats once the first and last HISTORY_KEEP are full. Returns
 * true when something was folded (the incident is flapping).
 */
export function pushChange(inc: Incident, change: IncidentChange): boolean {
  inc.history.push(change);
  if (!foldable(change)) return false;
  let total = 0;
  for (const h of inc.history) if (foldable(h)) total++;
  if (total <= 2 * HISTORY_KEEP) return false;
  let seen = 0;
  const i = inc.history.findIndex((h) => foldable(h) && ++seen === HISTORY_KEEP + 1);
  inc.history.splice(i, 1); // the oldest of the last block: the first block stays as it began
  inc.foldedRepeats = (inc.foldedRepeats ?? 0) + 1;
  return true;
}

export function applyPatch(inc: Incident, patch: IncidentPatch): void {
  const target = inc as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else target[k] = v;
  }
}

/** Applies one journal line to the incidents read so far; false when it cannot be applied. */
export function replayLine(byId: Map<string, Incident>, line: IncidentLine): boolean {
  if ('seq' in line) return true; // read by the manager
  if ('snap' in line) {
    byId.set(line.snap.id, line.snap);
    return true;
  }
  if ('patch' in line) {
    const inc = byId.get(line.id);
    if (!inc) return false; // its snapshot was lost (torn): nothing to apply the change to
    applyPatch(inc, line.patch);
    if (line.change) pushChange(inc, line.change);
    return true;
  }
  if ('history' in line && typeof line.id === 'string') {
    byId.set(line.id, line);
    return true;
  }
  return false;
}
