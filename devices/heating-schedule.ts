/**
 * The district-heating temperature chart of central quality regulation, shared by
 * the simulator (what substations do) and the rules (what they should do).
 *
 * Sokolov's formula for the heating load (E. Ya. Sokolov, "Teplofikatsiya i
 * teplovye seti", 7th ed., MEI, 2001, ch. 4, central quality regulation), with
 * the relative load Q = (ti − to) / (ti − to_d):
 *
 *   supply τ1 = ti + Δt'·Q^(1/(1+n)) + (δτ' − θ'/2)·Q
 *   return τ2 = ti + Δt'·Q^(1/(1+n)) − (θ'/2)·Q
 *
 * where Δt' = (τ3' + τ2')/2 − ti is the radiators' design temperature head
 * (τ3' = 95 °C after the elevator, τ2' = 70 °C), δτ' = τ1' − τ2' the network's
 * design drop (130 − 70), θ' = τ3' − τ2' the radiators' design drop (95 − 70), and
 * n the radiator exponent (heat transfer k ∝ Δt^n, n ≈ 0.25 for cast-iron
 * sectional radiators, hence the textbook's exponent 0.8).
 *
 * Below the break point the supply never falls under the hot-water minimum (70 °C
 * for closed systems, so that taps get 60 °C, SP 124.13330.2012 §5 / SanPiN):
 * the chart is flat there and heating is regulated locally.
 *
 * The design outdoor temperature is the mean of the coldest five days at 0.92
 * probability for the town (SP 131.13330 / SNiP RK 2.04-01; Karaganda −32 °C),
 * the indoor design temperature 20 °C (GOST 30494 for living rooms where the
 * coldest five days are at or below −31 °C).
 */
export interface HeatingChart {
  /** τ1' design supply, °C */
  supplyDesign: number;
  /** τ2' design return, °C */
  returnDesign: number;
  /** τ3' design radiator inlet (after the elevator), °C */
  radiatorDesign: number;
  /** ti, °C */
  indoor: number;
  /** to_d: the town's design outdoor temperature, °C */
  designOutdoor: number;
  /** n, the radiator exponent */
  radiatorExponent: number;
  /** the break point: the supply's floor for hot water, °C */
  hotWaterFloor: number;
}

export const DEFAULT_HEATING_CHART: Readonly<HeatingChart> = Object.freeze({
  supplyDesign: 130,
  returnDesign: 70,
  radiatorDesign: 95,
  indoor: 20,
  designOutdoor: -32,
  radiatorExponent: 0.25,
  hotWaterFloor: 70,
});

/** The chart's supply and return temperatures at an outdoor temperature. */
/** The standard chart for a town whose design outdoor temperature is `designOutdoorC`: what the simulator's substations follow and what the rules check them against. */
export function chartFor(designOutdoorC: number): Readonly<HeatingChart> {
  return { ...DEFAULT_HEATING_CHART, designOutdoor: designOutdoorC };
}

export function heatingSchedule(outdoor: number, chart: Readonly<HeatingChart> = DEFAULT_HEATING_CHART): { supply: number; return: number } {
  const c = chart;
  const q = Math.min(1, Math.max(0, (c.indoor - outdoor) / (c.indoor - c.designOutdoor)));
  const head = (c.radiatorDesign + c.returnDesign) / 2 - c.indoor;
  const theta = c.radiatorDesign - c.returnDesign;
  const delta = c.supplyDesign - c.returnDesign;
  const radiators = head * Math.pow(q, 1 / (1 + c.radiatorExponent));
  const supply = c.indoor + radiators + (delta - theta / 2) * q;
  const ret = c.indoor + radiators - (theta / 2) * q;
  return { supply: Math.max(c.hotWaterFloor, supply), return: ret };
}

/**
 * The heating season: it starts when the mean daily outdoor temperature has
 * stayed at or below +8 °C for five days running and ends when it has stayed
 * above +8 °C for five days running (the heating period of SP 131.13330 is the
 * days at or below +8 °C; the five-day rule is how district heating switches,
 * e.g. RF Government Decree 354 of 2011, §5, and the akimats' orders in Kazakhstan).
 */
export const HEATING_SEASON = Object.freeze({ thresholdC: 8, days: 5 });

/** The season after one more day, given the last daily means (oldest first). */
export function nextHeatingSeason(on: boolean, dailyMeans: readonly number[]): boolean {
  const { thresholdC, days } = HEATING_SEASON;
  if (dailyMeans.length < days) return on;
  const last = dailyMeans.slice(-days);
  if (!on && last.every((t) => t <= thresholdC)) return true;
  if (on && last.every((t) => t > thresholdC)) return false;
  return on;
}
