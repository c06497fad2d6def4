// The heating season across a restart. The season tracker (season.ts) needs five
// whole local days of outdoor temperature to apply the +8 °C rule; started from
// nothing in mid-season it would judge by the first day alone, so a thaw on the day of
// a restart would switch every heating rule off (and a cold July day on). At start
// the rules service replays the outdoor temperatures the store already holds: the
// hourly means of the substations that report one, from local midnight
// SEASON_HISTORY_DAYS before the newest reading, so a season that switched within
// the span is replayed through its switch. The store is the only state: nothing to
// persist, nothing to go stale, and a kill -9 loses no more than the readings the
// store had not written.
import { HEATING_SEASON } from '../../devices/index.ts';
import type { DeviceState } from '../contracts/index.ts';
import type { SeriesPoint, TimeSeriesStore } from '../store/port.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** twice the five-day rule and the day in progress */
export const SEASON_HISTORY_DAYS = 2 * HEATING_SEASON.days + 1;
/**
 * At most this many devices are read: the outdoor temperature is the town's, and the
 * mean of a hundred substations' sensors is the town's mean to well under a degree,
 * while a start of a large network should not read a day of every one of them.
 */
export const SEASON_HISTORY_MAX_DEVICES = 100;

/** What a start needs to rebuild the season: the devices known (the directory, seeded from the store) and the store's series. */
export interface SeasonHistory {
  devices(): Iterable<Pick<DeviceState, 'deviceId' | 'ts' | 'metrics'>>;
  store: Pick<TimeSeriesStore, 'series' | 'seriesMany'>;
}

/**
 * Feeds `observe` the town's hourly outdoor means (mean of `count` readings from `ts`
 * on, oldest first) from the store. Buckets are whole UTC hours, so a town whose UTC
 * offset is not a whole number of hours puts a bucket that straddles its midnight in
 * the day it began (Kazakhstan's UTC+5 is whole).
 */
export async function replaySeason(h: SeasonHistory, utcOffsetMinutes: number, observe: (ts: number, mean: number, count: number) => void): Promise<{ devices: number; hours: number }> {
  const sources = [...h.devices()]
    .filter((d) => d.metrics.outdoorTemp !== undefined && Number.isFinite(d.ts))
    .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0))
    .slice(0, SEASON_HISTORY_MAX_DEVICES);
  if (sources.length === 0) return { devices: 0, hours: 0 };
  const newest = Math.max(...sources.map((d) => d.ts));
  const off = utcOffsetMinutes * 60_000;
  const from = Math.floor((newest + off) / DAY) * DAY - off - (SEASON_HISTORY_DAYS - 1) * DAY;
  const q = { metric: 'outdoorTemp', from, to: newest + 1, stepMs: HOUR };
  const ids = sources.map((d) => d.deviceId);
  const { store } = h;
  const series: Iterable<SeriesPoint[]> = store.seriesMany
    ? (await store.seriesMany({ ...q, deviceIds: ids })).values()
    : await Promise.all(ids.map((deviceId) => store.series({ ...q, deviceId })));
  const hours = new Map<number, { sum: number; n: number }>();
  for (const points of series) {
    for (const p of points) {
      if (!(p.count > 0) || !Number.isFinite(p.avg)) continue;
      const b = hours.get(p.t) ?? { sum: 0, n: 0 };
      b.sum += p.avg * p.count;
      b.n += p.count;
      hours.set(p.t, b);
    }
  }
  const order = [...hours.keys()].sort((a, b) => a - b);
  for (const t of order) observe(t, hours.get(t)!.sum / hours.get(t)!.n, hours.get(t)!.n);
  return { devices: sources.length, hours: order.length };
}
