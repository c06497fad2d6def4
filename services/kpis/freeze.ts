// Time to freeze: during a heating outage, how long until the flats of the district
// cool to the habitable limit. Newton's law of cooling for a building of thermal
// time constant τ: T(t) = T_out + (T_in0 − T_out)·e^(−t/τ), so the limit T_lim is
// reached at t = τ·ln((T_in0 − T_out) / (T_lim − T_out)); this is the cooling-time
// formula of SNiP 41-02-2003 (z = β·ln(...), β the building's heat-accumulation
// coefficient). Pure.
import type { DeviceState, FreezeEstimate, Incident } from '../contracts/index.ts';
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

/** Heating outages still on (the condition not cleared), each with its estimate; those without any outdoor temperature apart. */
export function freezeEstimates(incidents: readonly Incident[], devices: readonly DeviceState[], tauH: number, now: number): { estimates: FreezeEstimate[]; unestimated: string[] } {
  const estimates: FreezeEstimate[] = [];
  const unestimated: string[] = [];
  for (const i of incidents) {
    if (!(INTERRUPTION_RULES.heat as readonly string[]).includes(i.ruleId) || restoredAt(i) !== undefined) continue;
    const outdoorC = outdoorTemperature(devices, i.district);
    if (outdoorC === undefined) {
      unestimated.push(i.id);
      continue;
    }
    const c = { indoorStartC: INDOOR_START_C, outdoorC, limitC: HABITABLE_LIMIT_C, tauH };
    const total = hoursToLimit(c);
    const elapsedH = Math.max(0, now - i.openedAt) / 3_600_000;
    const finite = Number.isFinite(total);
    estimates.push({
      incidentId: i.id,
      district: i.district,
      openedAt: i.openedAt,
      ...c,
      indoorNowC: indoorAfter(c, elapsedH),
      hoursToLimit: finite ? total : null,
      remainingH: finite ? Math.max(0, total - elapsedH) : null,
      limitAt: finite ? i.openedAt + Math.round(total * 3_600_000) : null,
    });
  }
  estimates.sort((a, b) => (a.remainingH ?? Infinity) - (b.remainingH ?? Infinity));
  return { estimates, unestimated };
}
