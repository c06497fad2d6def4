// Service interruptions from the incident history: hours per household (ISO 37120,
// water; heating by analogy) and SAIFI / CAIDI (IEEE 1366). Pure.
import type { Incident } from '../contracts/index.ts';
import type { TownProfile } from './profile.ts';
import { overlapMs, type Period } from './stats.ts';

/**
 * The rules whose incidents are a loss of service, per utility. Water: a main break
 * (complete shutoff) and low pressure (below 2 bar at the point: ISO 37120 counts
 * low-flow restrictions equally); a slow leak is not (service continues, and the
 * standard excludes reductions under which normal use is still possible). Heat: a
 * substation's failure, not underheating. Power: a feeder outage, not a voltage
 * deviation. Incidents of other rules (a site's own rule file) are not counted.
 */
export const INTERRUPTION_RULES = {
  water: ['water-main-break', 'water-low-pressure'],
  heat: ['heating-failure'],
  power: ['power-outage'],
} as const satisfies Record<string, readonly string[]>;
export type InterruptedService = keyof typeof INTERRUPTION_RULES;

/** IEEE 1366-2012, definitions: a sustained interruption lasts more than 5 minutes (shorter ones are momentary, counted by MAIFI, not SAIFI). */
export const SUSTAINED_MS = 5 * 60_000;

/**
 * Planned works: an incident opened inside a silence / maintenance window
 * (services/incidents marks it `planned`). ISO 37120 calls an interruption planned
 * when the utility gave at least 24 h notice; a maintenance window is that notice.
 */
export const isPlanned = (i: Incident): boolean => i.planned === true;

/** Devices of each kind per district, for the share of a district one device's fault cuts off. */
export type DeviceCounts = ReadonlyMap<string, number>;
export const countKey = (district: string, kind: string): string => `${district}|${kind}`;

/**
 * When service came back: the last time the rule saw its condition clear, else
 * when an operator resolved it; undefined while it lasts.
 */
export function restoredAt(i: Incident): number | undefined {
  if (i.conditionCleared) {
    for (let k = i.history.length - 1; k >= 0; k--) {
      const c = i.history[k]!;
      if (c.action === 'condition-cleared' || c.action === 'auto-resolved') return c.at;
    }
  }
  return i.resolvedAt ?? (i.conditionCleared ? i.updatedAt : undefined);
}

/**
 * Households an incident cuts off: a district-wide incident (a main break, a group
 * rule: its asset is the district) the whole district; one device's (a feeder, a
 * substation, a pressure point) the district's households shared evenly among that
 * kind's devices there (customers per feeder = households / feeders). 0 for a
 * district the town's profile does not know.
 */
export function householdsAffected(i: Incident, town: TownProfile, counts: DeviceCounts): number {
  const d = town.districts.find((x) => x.id === i.district);
  if (!d) return 0;
  if (i.asset === i.district) return d.households;
  return d.households / Math.max(1, counts.get(countKey(i.district, i.kind)) ?? 1);
}

const serviceIncidents = (incidents: readonly Incident[], service: InterruptedService): Incident[] =>
  incidents.filter((i) => (INTERRUPTION_RULES[service] as readonly string[]).includes(i.ruleId));

const totalHouseholds = (town: TownProfile): number => town.districts.reduce((n, d) => n + d.households, 0);

export interface HoursPerHousehold {
  total: number;
  planned: number;
  unplanned: number;
  /** incidents that overlap the period */
  interruptions: number;
}

/**
 * ISO 37120:2018, water theme, "average annual hours of water service interruption
 * per household": Σ (hours of interruption × households impacted) / households;
 * planned and unplanned interruptions count equally in the total and are also given
 * apart. Here over the period asked (the standard's figure is this over a year);
 * an interruption's hours are those inside the period, an ongoing one's up to `now`.
 */
export function hoursPerHousehold(incidents: readonly Incident[], service: InterruptedService, town: TownProfile, counts: DeviceCounts, p: Period, now: number): HoursPerHousehold {
  const households = totalHouseholds(town);
  const out: HoursPerHousehold = { total: 0, planned: 0, unplanned: 0, interruptions: 0 };
  if (households <= 0) return out;
  for (const i of serviceIncidents(incidents, service)) {
    const ms = overlapMs(i.openedAt, Math.min(restoredAt(i) ?? now, now), p);
    if (ms <= 0) continue;
    const share = ((ms / 3_600_000) * householdsAffected(i, town, counts)) / households;
    out.interruptions++;
    out.total += share;
    if (isPlanned(i)) out.planned += share;
    else out.unplanned += share;
  }
  return out;
}

export interface ReliabilityIndices {
  /** Σ customers interrupted / customers served */
  saifi: number;
  /** Σ customer minutes of interruption / Σ customers interrupted; null without an interruption */
  caidiMin: number | null;
  /** Σ customer minutes of interruption / customers served (= SAIFI × CAIDI) */
  saidiMin: number;
  customersServed: number;
  customersInterrupted: number;
  interruptions: number;
}

/**
 * IEEE 1366-2012, sustained interruption indices: SAIFI = Σ Nᵢ / N_T,
 * CAIDI = Σ rᵢNᵢ / Σ Nᵢ, SAIDI = Σ rᵢNᵢ / N_T, over sustained interruptions
 * (> 5 min) that began in the period, each with its whole duration (an ongoing one
 * up to `now`). Customers are households (residential supply only). Planned
 * interruptions are left out, as the standard's reliability indices are for
 * unplanned events.
 */
export function reliability(incidents: readonly Incident[], town: TownProfile, counts: DeviceCounts, p: Period, now: number): ReliabilityIndices {
  const served = totalHouseholds(town);
  let interrupted = 0;
  let customerMin = 0;
  let n = 0;
  for (const i of serviceIncidents(incidents, 'power')) {
    if (isPlanned(i) || i.openedAt < p.from || i.openedAt >= p.to) continue;
    const ms = Math.min(restoredAt(i) ?? now, now) - i.openedAt;
    if (ms <= SUSTAINED_MS) continue;
    const customers = householdsAffected(i, town, counts);
    n++;
    interrupted += customers;
    customerMin += (ms / 60_000) * customers;
  }
  return {
    saifi: served > 0 ? interrupted / served : 0,
    caidiMin: interrupted > 0 ? customerMin / interrupted : null,
    saidiMin: served > 0 ? customerMin / served : 0,
    customersServed: served,
    customersInterrupted: interrupted,
    interruptions: n,
  };
}
