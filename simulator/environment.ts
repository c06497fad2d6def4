// The town's shared conditions at a simulated instant: local hour, day of year,
// outdoor temperature and whether it is the heating season.
//
// Outdoor temperature: an annual cosine between the town's January and July means
// (SP 131.13330 / SNiP RK 2.04-01 climate tables), a daily swing of ±5 °C (coldest
// near 03:00), and synoptic weather: a few slow waves of 3–9 days, so that the
// daily mean wanders by several degrees around the seasonal curve as real weather
// does and the heating season switches on a real five-day run, not on a date.
import { HEATING_SEASON, nextHeatingSeason } from '../devices/index.ts';

export interface Climate {
  /** mean of the coldest five days at 0.92 probability, °C: the heating chart's design point */
  designOutdoorC: number;
  januaryMeanC: number;
  julyMeanC: number;
  /** days at or below +8 °C (SP RK 2.04-01-2017); when given, the annual curve is shaped to give this season */
  heatingSeasonDays?: number;
}

/** Karaganda (Temirtau is 30 km away): SNiP RK 2.04-01 / SP 131.13330 table 3.1, rounded. */
export const KARAGANDA: Readonly<Climate> = Object.freeze({ designOutdoorC: -32, januaryMeanC: -14, julyMeanC: 21 });

export interface TownConditions {
  localHour: number;
  dayOfYear: number;
  weekday: number; // 0 = Sunday
  outdoorTemp: number;
  heatingSeason: boolean;
}

const DAY = 86_400_000;

/** Outdoor temperature at local time `localMs` (ms since epoch shifted by the UTC offset). */
function outdoorAt(localMs: number, c: Readonly<Climate>): number {
  const local = new Date(localMs);
  const startOfYear = Date.UTC(local.getUTCFullYear(), 0, 1);
  const dayOfYear = (localMs - startOfYear) / DAY;
  const hour = (localMs % DAY) / 3_600_000;
  const mean = (c.januaryMeanC + c.julyMeanC) / 2;
  const amp = (c.julyMeanC - c.januaryMeanC) / 2;
  const x = Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365);
  const seasonal = mean - amp * (x + seasonShape(c) * (1 - x * x));
  const daily = -5 * Math.cos((2 * Math.PI * (hour - 3)) / 24);
  return seasonal + daily + weather(localMs / DAY);
}

const shapeCache = new Map<string, number>();

/**
 * A pure cosine between the January and July means fixes how many days lie at or
 * below +8 °C; real annual curves are not cosines (the Caspian's autumn is long and
 * warm, the steppe's spring late). With the climate's heating-season length the
 * curve becomes mean − amp·(x + k·(1 − x²)), x the cosine: January and July keep
 * their means and the seasonal curve crosses +8 °C where the season says. |k| ≤ 0.45
 * keeps the curve monotonic between them.
 */
function seasonShape(c: Readonly<Climate>): number {
  if (c.heatingSeasonDays === undefined) return 0;
  const key = `${c.januaryMeanC}/${c.julyMeanC}/${c.heatingSeasonDays}`;
  const cached = shapeCache.get(key);
  if (cached !== undefined) return cached;
  const mean = (c.januaryMeanC + c.julyMeanC) / 2;
  const amp = (c.julyMeanC - c.januaryMeanC) / 2;
  const r = (mean - HEATING_SEASON.thresholdC) / amp; // the curve is at +8 °C where x + k(1 − x²) = r
  const xs = Math.cos((Math.PI * Math.min(364, c.heatingSeasonDays)) / 365); // the season is centred on mid-January
  const k = Math.abs(1 - xs * xs) < 1e-6 ? 0 : Math.max(-0.45, Math.min(0.45, (r - xs) / (1 - xs * xs)));
  shapeCache.set(key, k);
  return k;
}

/** Synoptic weather, °C: deterministic slow waves (periods 3.1, 5.3 and 8.7 days). */
function weather(days: number): number {
  return 2.5 * Math.sin((2 * Math.PI * days) / 5.3 + 1) + 2 * Math.sin((2 * Math.PI * days) / 8.7 + 2) + 1.5 * Math.sin((2 * Math.PI * days) / 3.1 + 0.5);
}

/** Mean daily temperature of local day `day` (days since epoch), from 24 hourly values. */
export function dailyMeanTemp(day: number, c: Readonly<Climate> = KARAGANDA): number {
  let sum = 0;
  for (let h = 0; h < 24; h++) sum += outdoorAt(day * DAY + h * 3_600_000 + 1_800_000, c);
  return sum / 24;
}

const seasonCache = new Map<string, boolean>();

/** Whether heating is on during local day `day`: the five-day +8 °C rule run from 150 days before. */
export function heatingSeasonOn(day: number, c: Readonly<Climate> = KARAGANDA): boolean {
  const key = `${c.januaryMeanC}/${c.julyMeanC}/${c.heatingSeasonDays ?? ''}/${day}`;
  const cached = seasonCache.get(key);
  if (cached !== undefined) return cached;
  const from = day - 150;
  const means: number[] = [];
  let on = dailyMeanTemp(from - 1, c) <= HEATING_SEASON.thresholdC;
  for (let d = from; d < day; d++) {
    means.push(dailyMeanTemp(d, c));
    if (means.length > HEATING_SEASON.days) means.shift();
    on = nextHeatingSeason(on, means);
  }
  if (seasonCache.size > 10_000) seasonCache.clear();
  seasonCache.set(key, on);
  return on;
}

export function conditionsAt(simMs: number, utcOffsetMinutes: number, climate: Readonly<Climate> = KARAGANDA): TownConditions {
  const localMs = simMs + utcOffsetMinutes * 60_000;
  const local = new Date(localMs);
  const localHour = local.getUTCHours() + local.getUTCMinutes() / 60 + local.getUTCSeconds() / 3600;
  const startOfYear = Date.UTC(local.getUTCFullYear(), 0, 1);
  const dayOfYear = (localMs - startOfYear) / DAY;
  return { localHour, dayOfYear, weekday: local.getUTCDay(), outdoorTemp: outdoorAt(localMs, climate), heatingSeason: heatingSeasonOn(Math.floor(localMs / DAY), climate) };
}

/** A bump centred on `at` hours with width `w`, wrapping around midnight. */
export function peak(hour: number, at: number, w: number): number {
  const d = Math.min(Math.abs(hour - at), 24 - Math.abs(hour - at));
  return Math.exp(-(d * d) / (2 * w * w));
}

export { heatingSchedule } from '../devices/index.ts';
