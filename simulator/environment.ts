// The town's shared conditions at a simulated instant: local hour, day of year,
// outdoor temperature (Karaganda region climate: January mean about −14 °C, July
// about +21 °C, daily swing ±5 °C) and whether it is the heating season.
export interface TownConditions {
  localHour: number;
  dayOfYear: number;
  weekday: number; // 0 = Sunday
  outdoorTemp: number;
  heatingSeason: boolean;
}

export function conditionsAt(simMs: number, utcOffsetMinutes: number): TownConditions {
  const local = new Date(simMs + utcOffsetMinutes * 60_000);
  const localHour = local.getUTCHours() + local.getUTCMinutes() / 60 + local.getUTCSeconds() / 3600;
  const startOfYear = Date.UTC(local.getUTCFullYear(), 0, 1);
  const dayOfYear = (local.getTime() - startOfYear) / 86_400_000;
  const seasonal = 3.5 - 17.5 * Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365);
  const daily = -5 * Math.cos((2 * Math.PI * (localHour - 3)) / 24); // coldest near 03:00, warmest near 15:00
  const outdoorTemp = seasonal + daily;
  // Heating season in Kazakh towns runs roughly 15 October .. 15 April.
  const heatingSeason = dayOfYear < 105 || dayOfYear > 288;
  return { localHour, dayOfYear, weekday: local.getUTCDay(), outdoorTemp, heatingSeason };
}

/** A bump centred on `at` hours with width `w`, wrapping around midnight. */
export function peak(hour: number, at: number, w: number): number {
  const d = Math.min(Math.abs(hour - at), 24 - Math.abs(hour - at));
  return Math.exp(-(d * d) / (2 * w * w));
}

export { heatingSchedule } from '../devices/index.ts';
