// City indicators as /api/kpis answers them, and the time-to-freeze estimates of
// /api/kpis/freeze: computed live from the store and the incident history
// (services/kpis), shown by the dashboard's indicator panel.

/** One indicator's value over a sub-period of the asked range. */
export interface IndicatorTrendPoint {
  from: number;
  to: number;
  value: number | null;
}

/** A value compared against a guideline (WHO 2021 air-quality guideline levels). */
export interface IndicatorGuideline {
  value: number;
  unit: string;
  source: string;
  exceeded: boolean;
}

export interface Indicator {
  /** stable id, such as `water-interruption-hours` */
  id: string;
  /** the standard that defines it: `ISO 37120:2018` (or `ISO 37120:2014` where the indicator's 2018 number was not found), `IEEE 1366-2012`, `ISO 37122:2019`, `ISO 37123:2019`, `WHO AQG 2021`, or `Qala` */
  standard: string;
  /** the clause of that standard (numbered in the edition `standard` names) */
  clause: string;
  name: string;
  definition: string;
  unit: string;
  /** the period the value covers (the asked range) */
  period: { from: number; to: number };
  /** null when the data it needs is absent; `missing` says what */
  value: number | null;
  missing?: string;
  /** the figures the value is made of: planned and unplanned, numerator and denominator, p90... */
  parts?: Record<string, number | null>;
  guidelines?: IndicatorGuideline[];
  /** the value over equal sub-periods of the range (empty for figures without a history) */
  trend: IndicatorTrendPoint[];
}

/** A figure an indicator rests on that is not measured: its value and where it comes from. */
export interface Assumption {
  name: string;
  value: number | string;
  source: string;
}

export interface KpiReport {
  town: string;
  from: number;
  to: number;
  generatedAt: number;
  assumptions: Assumption[];
  indicators: Indicator[];
}

/** One open heating outage: how long until its district's flats cool to the habitable limit. */
export interface FreezeEstimate {
  incidentId: string;
  district: string;
  openedAt: number;
  /** mean of the district's substations' outdoor sensors (the town's when the district has none) */
  outdoorC: number;
  indoorStartC: number;
  limitC: number;
  tauH: number;
  /** the model's indoor temperature now */
  indoorNowC: number;
  /** from the outage's start to the limit; null when the outdoor air is no colder than the limit (never reached) */
  hoursToLimit: number | null;
  /** hours left from now; 0 once past the limit */
  remainingH: number | null;
  limitAt: number | null;
}

export interface FreezeReport {
  generatedAt: number;
  model: { formula: string; tauH: number; indoorStartC: number; limitC: number; sources: string[] };
  estimates: FreezeEstimate[];
  /** open heating outages without an outdoor temperature anywhere in town */
  unestimated: string[];
}
