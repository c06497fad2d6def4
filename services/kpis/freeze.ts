// Time to freeze: during a heating outage, how long until the flats of the district
// cool to the habitable limit. Newton's law of cooling for a building of thermal
// time constant τ: T(t) = T_out + (T_in0 − T_out)·e^(−t/τ), so the limit T_lim is
// reached at t = τ·ln((T_in0 − T_out) / (T_lim − T_out)); this is the cooling-time
// formula of SNiP 41-02-2003 (z = β·ln(...), β the building's heat-accumulation
// coefficient; τ per town from services/kpis/profile.ts). The estimate is carried on
// the heating outage's incident (freeze-watch.ts keeps it current). Pure.
import type { DeviceState, FreezeEstimate, Incident, IncidentFreeze } from '../contracts/index.ts';
import { INTERRUPTION_RULES, restoredAt } from './interruptions.ts';
import { mean } from './stats.ts';

/**
 * The habitable limit, °C: +12, the indoor temperature to which SNiP 41-02-2003
 * lets heated residential buildings fall during a heat-supply failure (the same
 * t_in,a of its cooling-time formula); below it, emergency practice evacuates or
 * heats by other means. GOST 30494-2011's +18 °C is the permissible minimum of a
 * living room in normal operation, not an emergency's limit.
 */
export const HABITABLE_LIMIT_C = 12;
/** The flats' temperature when the heat stops: +20 °C, the low end of GOST 30494-2011's optimal 20–22 °C for living rooms in the cold season. */
export const INDOOR_START_C = 20;

export const FREEZE_SOURCES = [
  "Newton's law of cooling, T(t) = T_out + (T_in0 − T_out)·e^(−t/τ)",
  'limit +12 °C: SNiP 41-02-2003 "Heat networks", the indoor temperature allowed during a heat-supply failure',
  'start +20 °C: GOST 30494-2011, optimal living-room temperature in the cold season 20–22 °C (low end)',
];

export interface CoolingInput {
  indoorStartC: number;
  outdoorC: number;
  limitC: number;
  tauH: number;
}

/** The indoor temperature t hours after the heat stopped. */
export const indoorAfter = (c: Omit<CoolingInput, 'limitC'>, hours: number): number => c.outdoorC + (c.indoorStartC - c.outdoorC) * Math.exp(-Math.max(0, hours) / c.tauH);

/**
 * Hours from the heat stopping until the indoor air reaches the limit: 0 when it
 * is already at or below it, Infinity when the outdoor air is no colder than the
 * limit (the flats never cool that far). Never negative.
 */
export function hoursToLimit(c: CoolingInput): number {
  if (c.indoorStartC <= c.limitC) return 0;
  if (c.outdoorC >= c.limitC) return Infinity;
  return c.tauH * Math.log((c.indoorStartC - c.outdoorC) / (c.limitC - c.outdoorC));
}

/** The outdoor temperature of a district: its substations' sensors, else the town's. */
export function outdoorTemperature(devices: readonly DeviceState[], district: string): number | undefined {
  const readings = (ds: readonly DeviceState[]) => ds.filter((d) => d.kind === 'heat-substation' && Number.isFinite(d.metrics.outdoorTemp)).map((d) => d.metrics.outdoorTemp!);
  return mean(readings(devices.filter((d) => d.district === district))) ?? mean(readings(devices));
}

/** Whether an incident is a heating outage (a loss of heat, not underheating): the ones a time to freeze is estimated for. */
export const isHeatingOutage = (i: Pick<Incident, 'ruleId'>): boolean => (INTERRUPTION_RULES.heat as readonly string[]).includes(i.ruleId);

/** Where the cooling model stood at the last estimate. */
type CoolingState = Pick<IncidentFreeze, 'at' | 'indoorC' | 'outdoorC' | 'limitAt'>;

/**
 * The time to freeze at `now`, from the previous estimate (or from the outage's
 * start, the flats at INDOOR_START_C and the outdoor air as now since then). The
 * outdoor temperature is taken as constant between estimates, so Newton's law is
 * solved piecewise: the indoor air cools from the last estimate's state towards the
 * last outdoor temperature until now, then towards the new one. Once the limit was
 * reached it stays reached (its time kept). Pure.
 */
export function nextFreeze(prev: CoolingState | undefined, start: { openedAt: number }, outdoorC: number, tauH: number, now: number): IncidentFreeze {
  const base = { at: now, outdoorC, tauH, indoorStartC: INDOOR_START_C, limitC: HABITABLE_LIMIT_C };
  const from: CoolingState = prev ?? {
    at: start.openedAt,
    indoorC: INDOOR_START_C,
    outdoorC,
    limitAt: limitFrom(start.openedAt, { indoorStartC: INDOOR_START_C, outdoorC, limitC: HABITABLE_LIMIT_C, tauH }),
  };
  const indoorC = indoorAfter({ indoorStartC: from.indoorC, outdoorC: from.outdoorC, tauH }, (now - from.at) / H);
  if (from.limitAt !== null && from.limitAt <= now) return { ...base, indoorC, remainingH: 0, limitAt: from.limitAt };
  const limitAt = limitFrom(now, { indoorStartC: indoorC, outdoorC, limitC: HABITABLE_LIMIT_C, tauH });
  return { ...base, indoorC, remainingH: limitAt === null ? null : (limitAt - now) / H, limitAt };
}

const H = 3_600_000;
const limitFrom = (at: number, c: CoolingInput): number | null => {
  const h = hoursToLimit(c);
  return Number.isFinite(h) ? at + h * H : null;
};

/**
 * The time to freeze of the heating outages still on (the condition not cleared) as
 * their incidents carry it, brought forward to `now`; those without an estimate
 * (no outdoor temperature anywhere in town yet) apart. Pure.
 */
export function freezeEstimates(incidents: readonly Incident[], now: number): { estimates: FreezeEstimate[]; unestimated: string[] } {
  const estimates: FreezeEstimate[] = [];
  const unestimated: string[] = [];
  for (const i of incidents) {
    if (!isHeatingOutage(i) || i.state === 'resolved' || restoredAt(i) !== undefined) continue;
    const f = i.timeToFreeze;
    if (!f) {
      unestimated.push(i.id);
      continue;
    }
    estimates.push({
      incidentId: i.id,
      district: i.district,
      openedAt: i.openedAt,
      outdoorC: f.outdoorC,
      indoorStartC: f.indoorStartC,
      limitC: f.limitC,
      tauH: f.tauH,
      indoorNowC: indoorAfter({ indoorStartC: f.indoorC, outdoorC: f.outdoorC, tauH: f.tauH }, (now - f.at) / H),
      hoursToLimit: f.limitAt === null ? null : Math.max(0, f.limitAt - i.openedAt) / H,
      remainingH: f.limitAt === null ? null : Math.max(0, f.limitAt - now) / H,
      limitAt: f.limitAt,
    });
  }
  estimates.sort((a, b) => (a.remainingH ?? Infinity) - (b.remainingH ?? Infinity));
  return { estimates, unestimated };
}
