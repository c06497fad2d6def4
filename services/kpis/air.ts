// Mean pollutant concentrations from the air stations' readings against the WHO
// 2021 air quality guideline levels. Pure: the store's buckets come in.
import { mean as meanOf, trendStep, type Period } from './stats.ts';

/**
 * WHO global air quality guidelines (2021), recommended AQG levels (executive
 * summary, Table 0.1), µg/m³: annual and 24-hour means. SO2 has a 24-hour level
 * only. The 24-hour level is defined as the 99th percentile of a year's daily
 * means (3–4 exceedance days a year); here exceedances are counted, not judged.
 */
export const WHO_AQG_2021 = {
  pm25: { name: 'PM2.5', annual: 5, day: 15 },
  pm10: { name: 'PM10', annual: 15, day: 45 },
  no2: { name: 'NO2', annual: 10, day: 25 },
  so2: { name: 'SO2', annual: undefined, day: 40 },
} as const satisfies Record<string, { name: string; annual: number | undefined; day: number }>;
export type Pollutant = keyof typeof WHO_AQG_2021;
export const POLLUTANTS = Object.keys(WHO_AQG_2021) as Pollutant[];
export const WHO_AQG_SOURCE = 'WHO global air quality guidelines (2021), recommended AQG levels, Table 0.1';

/** A station's readings of one metric, bucketed by the store (bucket start, mean, readings). */
export interface StationSeries {
  deviceId: string;
  points: readonly { t: number; avg: number; count: number }[];
}

const stationMean = (s: StationSeries): number | undefined => {
  const n = s.points.reduce((k, p) => k + p.count, 0);
  return n > 0 ? s.points.reduce((k, p) => k + p.avg * p.count, 0) / n : undefined;
};

const mean = (xs: readonly number[]): number | null => meanOf(xs) ?? null;

/** The town's mean: each station's mean of its readings, averaged over the stations that have any (each station weighs the same). */
export function townMean(stations: readonly StationSeries[]): number | null {
  return mean(stations.map(stationMean).filter((x): x is number => x !== undefined));
}

/** The town's mean per trend bucket, from series bucketed at the trend's step. */
export function townTrend(stations: readonly StationSeries[], buckets: readonly Period[]): (number | null)[] {
  const step = trendStep(buckets);
  return buckets.map((b) => {
    const t = Math.floor(b.from / step) * step;
    return mean(stations.flatMap((s) => s.points.filter((p) => p.t === t && p.count > 0).map((p) => p.avg)));
  });
}

export interface DailyExceedance {
  /** station-days with readings (UTC days) */
  stationDays: number;
  /** station-days whose mean is above the 24-hour level */
  exceeded: number;
  maxDailyMean: number | null;
}

/** Station-days whose mean exceeds the 24-hour level, from series bucketed by day. */
export function dailyExceedance(daily: readonly StationSeries[], dayLevel: number): DailyExceedance {
  const means = daily.flatMap((s) => s.points.filter((p) => p.count > 0).map((p) => p.avg));
  return { stationDays: means.length, exceeded: means.filter((m) => m > dayLevel).length, maxDailyMean: means.length ? Math.max(...means) : null };
}
