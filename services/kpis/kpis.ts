// The city indicators, computed live at each request from the incident history,
// the device directory and the store (never stored, never hard-coded), and the
// time-to-freeze estimates of open heating outages. The component reads through
// the narrow ports below; the pure functions beside it do the arithmetic. The time to
// freeze is carried on the heating outages' incidents (freeze-watch.ts) and only
// brought forward to now here.
import type { Clock, DeviceState, FreezeReport, Incident, IncidentFilter, Indicator, IndicatorGuideline, KpiReport } from '../contracts/index.ts';
import type { SeriesPoint, SeriesQuery } from '../store/port.ts';
import { POLLUTANTS, WHO_AQG_2021, WHO_AQG_SOURCE, dailyExceedance, townMean, townTrend, type StationSeries } from './air.ts';
import { FREEZE_SOURCES, HABITABLE_LIMIT_C, INDOOR_START_C, freezeEstimates } from './freeze.ts';
import { countKey, hoursPerHousehold, reliability, type DeviceCounts } from './interruptions.ts';
import type { TownProfile } from './profile.ts';
import { responseDeadlines, responseTimes } from './response.ts';
import { trendBuckets, trendStep, type Period } from './stats.ts';
import { airStationsPerKm2, employmentConcentration, waterNetworkMonitored } from './town.ts';

/**
 * ISO 37120 indicator numbers, each where it was read:
 * - first edition, ISO 37120:2014: the University of Toronto Enterprise Integration
 *   Lab's ontology of the standard (ontology.eil.utoronto.ca/ISO37120.owl, read through a
 *   public code copy of it that lists every indicator with its number and label): 7.6
 *   "Average number of electrical interruptions per customer per year", 7.7 "Average
 *   length of electrical interruptions (in hours)", 8.1 PM2.5, 8.2 PM10, 8.4 NO2, 8.5
 *   SO2, 10.5 "Response time for emergency response services from initial call", 21.6
 *   "Average annual hours of water service interruption per household";
 * - second edition, ISO 37120:2018: Kópavogur's public indicator pages
 *   (kopavogur.nightingale.is, the Icelandic town's indicator pages, whose measurement
 *   codes read "iso37120-2018:__8.2_particulate_matter_(pm10)..." and whose values are
 *   marked certified): 8.1 PM2.5, 8.2 PM10, 8.6 SO2 concentration, 15.7 response time of
 *   emergency services from the initial call. The same pages number 7.6 street-lighting
 *   electricity, 23.3 domestic water consumption, 23.4 drinking-water compliance and 23.7
 *   water loss, and SO2 moved from 8.5 to 8.6, so no 2014 number can be assumed to carry
 *   over: the 2018 numbers of SAIFI, CAIDI, NO2 and the water interruption were not found
 *   (null), and those indicators cite the 2014 edition.
 */
export const ISO37120 = {
  water: { title: 'Average annual hours of water service interruption per household', e2014: '21.6', e2018: null },
  saifi: { title: 'Average number of electrical interruptions per customer per year', e2014: '7.6', e2018: null },
  caidi: { title: 'Average length of electrical interruptions (in hours)', e2014: '7.7', e2018: null },
  response: { title: 'Response time for emergency response services from initial call', e2014: '10.5', e2018: '15.7' },
  pm25: { title: 'Fine particulate matter (PM2.5) concentration', e2014: '8.1', e2018: '8.1' },
  pm10: { title: 'Particulate matter (PM10) concentration', e2014: '8.2', e2018: '8.2' },
  no2: { title: 'NO2 (nitrogen dioxide) concentration', e2014: '8.4', e2018: null },
  so2: { title: 'SO2 (sulphur dioxide) concentration', e2014: '8.5', e2018: '8.6' },
} as const satisfies Record<string, { title: string; e2014: string; e2018: string | null }>;

export type Iso37120Key = keyof typeof ISO37120;

/** The edition an indicator is cited from: 2018 where its number there was read, else 2014. */
export const iso37120Standard = (k: Iso37120Key): 'ISO 37120:2018' | 'ISO 37120:2014' => (ISO37120[k].e2018 !== null ? 'ISO 37120:2018' : 'ISO 37120:2014');

/** The clause text of an ISO 37120 indicator: its number in the edition cited, and what is known of the other. */
export function iso37120Clause(k: Iso37120Key): string {
  const i = ISO37120[k];
  return i.e2018 !== null
    ? `ISO 37120:2018 §${i.e2018} "${i.title}" (§${i.e2014} in ISO 37120:2014)`
    : `ISO 37120:2014 §${i.e2014} "${i.title}" (its ISO 37120:2018 number not found)`;
}

/**
 * ISO 37122:2019 indicator numbers, read from the same Kópavogur pages, which report
 * ISO 37122 beside ISO 37120 under the same theme numbers: "23.3 Percentage of the city's
 * water distribution network monitored by a smart water system" and "8.2 Number of
 * real-time air quality monitoring stations per square kilometre" (in Icelandic; ISO
 * 37120:2018's own 23.3 and 8.2 are other indicators, so these are ISO 37122's). The
 * standard's own text was not read.
 */
export const ISO37122 = {
  waterNetwork: 'ISO 37122:2019 §23.3 "Percentage of the city\'s water distribution network monitored by a smart water system" (the number as Kópavogur\'s ISO 37122 reporting gives it; the standard\'s text not read)',
  airStations: 'ISO 37122:2019 §8.2 "Number of real-time remote air quality monitoring stations per square kilometre (km²)" (the number as Kópavogur\'s ISO 37122 reporting gives it; the standard\'s text not read)',
} as const;

export interface KpiDeps {
  town: TownProfile;
  incidents: { list(f: IncidentFilter): Incident[] };
  directory: { list(): readonly DeviceState[] };
  store: { series(q: SeriesQuery): Promise<SeriesPoint[]> };
  clock: Pick<Clock, 'now'>;
  /** sub-periods of an indicator's trend; default 12 */
  trendPoints?: number;
}

const DAY_MS = 86_400_000;
const ALL = { limit: Number.MAX_SAFE_INTEGER } as const;

type Base = Omit<Indicator, 'period' | 'trend' | 'value'>;

export class KpiService {
  readonly #deps: KpiDeps;

  constructor(deps: KpiDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  get town(): TownProfile {
    return this.#deps.town;
  }

  async report(p: Period): Promise<KpiReport> {
    const { town, clock } = this.#deps;
    const now = clock.now();
    const incidents = this.#deps.incidents.list(ALL);
    const devices = this.#deps.directory.list();
    const counts: DeviceCounts = countDevices(devices);
    const buckets = trendBuckets(p, this.#deps.trendPoints ?? 12);
    const over = <T>(fn: (b: Period) => T) => buckets.map((b) => ({ b, v: fn(b) }));
    const ind = (base: Base, value: number | null, trend: { b: Period; v: number | null }[], extra: Partial<Indicator> = {}): Indicator => ({
      ...base,
      period: { from: p.from, to: p.to },
      value,
      ...(value === null && base.missing === undefined && extra.missing === undefined ? { missing: 'no data in the period' } : {}),
      ...extra,
      trend: trend.map(({ b, v }) => ({ from: b.from, to: b.to, value: v })),
    });

    const out: Indicator[] = [];
    // water and heating: hours per household
    for (const [service, base] of [
      ['water', { id: 'water-interruption-hours', standard: iso37120Standard('water'), clause: `${iso37120Clause('water')}; supporting indicator`, name: 'Water service interruption per household', unit: 'h per household' }],
      ['heat', { id: 'heating-interruption-hours', standard: 'Qala', clause: 'by analogy with the ISO 37120 water indicator', name: 'Heating interruption per household', unit: 'h per household' }],
    ] as const) {
      const h = hoursPerHousehold(incidents, service, town, counts, p, now);
      out.push(
        ind(
          {
            ...base,
            definition: `Σ (hours of interruption in the period × households cut off) / households; planned (opened in a maintenance window) and unplanned counted equally in the total and given apart. Interruptions: ${service === 'water' ? 'water-main-break (the district), water-low-pressure (the point\'s share of its district)' : 'heating-failure (the substation\'s share of its district)'}. Over the asked period, not a calendar year.`,
          },
          h.total,
          over((b) => hoursPerHousehold(incidents, service, town, counts, b, now).total),
          { parts: { planned: h.planned, unplanned: h.unplanned, interruptions: h.interruptions } },
        ),
      );
    }
    // power: SAIFI, CAIDI
    const r = reliability(incidents, town, counts, p, now);
    const powerDef = 'Customers are households; a feeder serves its district\'s households shared evenly among the district\'s feeders. Sustained (> 5 min), unplanned power-outage incidents that began in the period.';
    out.push(
      ind(
        { id: 'power-saifi', standard: 'IEEE 1366-2012', clause: `SAIFI; ${iso37120Clause('saifi')}`, name: 'SAIFI: interruptions per customer', unit: 'interruptions per customer', definition: `Σ customers interrupted / customers served. ${powerDef}` },
        r.saifi,
        over((b) => reliability(incidents, town, counts, b, now).saifi),
        { parts: { customersServed: r.customersServed, customersInterrupted: r.customersInterrupted, interruptions: r.interruptions, saidiMin: r.saidiMin } },
      ),
      ind(
        { id: 'power-caidi', standard: 'IEEE 1366-2012', clause: `CAIDI; ${iso37120Clause('caidi')}, there in hours`, name: 'CAIDI: mean interruption duration', unit: 'min', definition: `Σ customer minutes of interruption / Σ customers interrupted. ${powerDef}` },
        r.caidiMin,
        over((b) => reliability(incidents, town, counts, b, now).caidiMin),
        { parts: { customersInterrupted: r.customersInterrupted, saidiMin: r.saidiMin }, ...(r.caidiMin === null ? { missing: 'no sustained power interruption began in the period' } : {}) },
      ),
    );
    // air
    out.push(...(await this.#air(p, buckets, devices)));
    // response times
    for (const step of ['acknowledged', 'resolved'] as const) {
      const t = responseTimes(incidents, step, p);
      out.push(
        ind(
          {
            id: step === 'acknowledged' ? 'response-to-acknowledge' : 'response-to-resolve',
            standard: 'Qala',
            clause: `from the incident history; by analogy with ${iso37120Clause('response')} (there from the initial call, here from detection)`,
            name: step === 'acknowledged' ? 'Response time: detection to acknowledgement (median)' : 'Response time: detection to resolution (median)',
            unit: 'min',
            definition: `Median (and 90th percentile, linear interpolation) of the minutes from an incident's detection to its ${step === 'acknowledged' ? 'acknowledgement by an operator or utility' : 'resolution (by an operator, or the condition clearing)'}, over the unplanned incidents opened in the period that reached it.${step === 'acknowledged' ? ' Parts: of the incidents opened in the period with a response deadline (pressed care alarms, QALA_CARE_ALARM_RESPONSE_MIN), how many were not acknowledged by it.' : ''}`,
          },
          t.median,
          over((b) => responseTimes(incidents, step, b).median),
          { parts: { p90: t.p90, count: t.count, ...(step === 'acknowledged' ? deadlineParts(responseDeadlines(incidents, p)) : {}) }, ...(t.count === 0 ? { missing: `no incident opened in the period was ${step}` } : {}) },
        ),
      );
    }
    // monitoring coverage and economy (figures of now, no history)
    const w = waterNetworkMonitored(town, devices, p.from);
    out.push(
      ind(
        { id: 'water-network-monitored', standard: 'ISO 37122:2019', clause: ISO37122.waterNetwork, name: 'Water network monitored in real time', unit: '%', definition: 'Households of the districts with at least one water pressure point that reported since the period began, over all households: a proxy by households served, as the network\'s length is not in the data.' },
        w.percent,
        [],
        { parts: { monitoredHouseholds: w.monitoredHouseholds, households: w.households } },
      ),
    );
    const a = airStationsPerKm2(town, devices, p.from);
    out.push(
      ind(
        { id: 'air-stations-per-km2', standard: 'ISO 37122:2019', clause: ISO37122.airStations, name: 'Air-quality stations per km²', unit: 'stations per km²', definition: "Air stations that reported since the period began, over the town's area (the scenario's cityProfile.areaKm2)." },
        a.perKm2,
        [],
        { parts: { stations: a.stations, areaKm2: town.areaKm2 ?? null }, ...(a.perKm2 === null ? { missing: "the town's area is not known (cityProfile.areaKm2)" } : {}) },
      ),
    );
    const e = employmentConcentration(town);
    out.push(
      ind(
        { id: 'employment-concentration', standard: 'ISO 37123:2019', clause: '§5.5 Employment concentration', name: 'Employment in the town-forming enterprise', unit: '%', definition: "The town-forming enterprise's employees as a percentage of the town's workforce (cityProfile.plantEmployees / cityProfile.workforce); a figure of the scenario's data, not measured live." },
        e,
        [],
        { parts: { plantEmployees: town.plantEmployees ?? null, workforce: town.workforce ?? null }, ...(e === null ? { missing: "the enterprise's employees or the town's workforce is not known (cityProfile)" } : {}) },
      ),
    );
    return { town: town.town, from: p.from, to: p.to, generatedAt: now, assumptions: town.assumptions, indicators: out };
  }

  async #air(p: Period, buckets: readonly Period[], devices: readonly DeviceState[]): Promise<Indicator[]> {
    const stations = devices.filter((d) => d.kind === 'air-station').map((d) => d.deviceId).sort();
    const step = trendStep(buckets);
    const fetch = (metric: string, stepMs: number) =>
      Promise.all(stations.map(async (deviceId): Promise<StationSeries> => ({ deviceId, points: await this.#deps.store.series({ deviceId, metric, from: p.from, to: p.to, stepMs }) })));
    const out: Indicator[] = [];
    for (const metric of POLLUTANTS) {
      const aqg = WHO_AQG_2021[metric];
      const [byTrend, byDay] = await Promise.all([fetch(metric, step), step === DAY_MS ? undefined : fetch(metric, DAY_MS)]);
      const value = townMean(byTrend);
      const days = dailyExceedance(byDay ?? byTrend, aqg.day);
      const guidelines: IndicatorGuideline[] = [];
      if (aqg.annual !== undefined && value !== null) guidelines.push({ value: aqg.annual, unit: 'µg/m³ (annual mean)', source: WHO_AQG_SOURCE, exceeded: value > aqg.annual });
      if (days.maxDailyMean !== null) guidelines.push({ value: aqg.day, unit: 'µg/m³ (24-hour mean)', source: WHO_AQG_SOURCE, exceeded: days.exceeded > 0 });
      const trend = townTrend(byTrend, buckets);
      out.push({
        id: `air-${metric}`,
        standard: 'WHO AQG 2021',
        clause: `${aqg.name} AQG level${aqg.annual !== undefined ? `: annual ${aqg.annual}, 24-hour ${aqg.day} µg/m³` : `: 24-hour ${aqg.day} µg/m³`}; the concentration is ${iso37120Clause(metric)}`,
        name: `Mean ${aqg.name} concentration`,
        unit: 'µg/m³',
        definition: `Each air station's mean of its ${metric} readings in the period, averaged over the stations (each weighs the same); against the WHO 2021 guideline levels. The annual level is for a year's mean: over a shorter period the comparison is indicative. Days are UTC days; a station-day exceeds when its mean is above the 24-hour level.`,
        period: { from: p.from, to: p.to },
        value,
        ...(value === null ? { missing: 'no air-station readings in the period' } : {}),
        parts: { stations: byTrend.filter((s) => s.points.length > 0).length, stationDays: days.stationDays, daysOver24hLevel: days.exceeded, maxDailyMean: days.maxDailyMean },
        guidelines,
        trend: buckets.map((b, k) => ({ from: b.from, to: b.to, value: trend[k] ?? null })),
      });
    }
    return out;
  }

  /** The time to freeze of the open heating outages; of those of one utility only, for a user held to it (GET /api/kpis/freeze). */
  freeze(scope: { utility?: string } = {}): FreezeReport {
    const now = this.#deps.clock.now();
    const tauH = this.#deps.town.buildingTauH;
    const unresolved = this.#deps.incidents.list({ state: 'unresolved', limit: Number.MAX_SAFE_INTEGER, ...(scope.utility !== undefined ? { utility: scope.utility } : {}) });
    const { estimates, unestimated } = freezeEstimates(unresolved, now);
    const tauSource = this.#deps.town.assumptions.find((x) => x.name === 'buildingTauH')?.source ?? '';
    return {
      generatedAt: now,
      model: { formula: 'T(t) = T_out + (T_in0 − T_out)·e^(−t/τ); t_limit = τ·ln((T_in0 − T_out) / (T_limit − T_out))', tauH, indoorStartC: INDOOR_START_C, limitC: HABITABLE_LIMIT_C, sources: [...FREEZE_SOURCES, `τ = ${tauH} h: ${tauSource}`] },
      estimates,
      unestimated,
    };
  }
}

const deadlineParts = (d: { withDeadline: number; missed: number }) => ({ withDeadline: d.withDeadline, deadlinesMissed: d.missed });

function countDevices(devices: readonly DeviceState[]): DeviceCounts {
  const counts = new Map<string, number>();
  for (const d of devices) counts.set(countKey(d.district, d.kind), (counts.get(countKey(d.district, d.kind)) ?? 0) + 1);
  return counts;
}
