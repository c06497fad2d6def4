// The heating season as the rules see it: from the outdoor temperatures that the
// substations themselves report, in device time, by the same five-day +8 °C rule
// the simulator and district heating use (devices/heating-schedule.ts). Days are the
// town's local days (a daily mean runs midnight to midnight where the town is; on
// UTC days a UTC+5 town's "day" would start at 05:00 and its first partial day of a
// run would hold only the cold night hours). Until five whole days have been seen it
// goes by the mean of what it has: a cold start in July is out of season at once,
// one in January in season.
import { HEATING_SEASON, nextHeatingSeason } from '../../devices/index.ts';

const DAY = 86_400_000;

export class HeatingSeasonTracker {
  readonly #offsetMs: number;
  #day = Number.NaN;
  #sum = 0;
  #n = 0;
  readonly #means: number[] = [];
  #on: boolean | undefined;

  /** `utcOffsetMinutes`: the town's local time (Kazakhstan: UTC+5 since 1 March 2024) */
  constructor(utcOffsetMinutes = 300) {
    this.#offsetMs = utcOffsetMinutes * 60_000;
  }

  /**
   * Feeds one in-order outdoor temperature at device time `ts`; or, with `count`, the
   * mean of that many readings (an hour of the store's history, replayed at a start).
   */
  observe(ts: number, outdoor: number, count = 1): void {
    const day = Math.floor((ts + this.#offsetMs) / DAY);
    if (day < this.#day) return; // a late reading from a closed day changes nothing
    // (NaN before the first reading: `day > NaN` is false, and the first day would never close)
    if (day > this.#day || Number.isNaN(this.#day)) {
      if (this.#n > 0) this.#closeDay();
      this.#day = day;
      this.#sum = 0;
      this.#n = 0;
    }
    this.#sum += outdoor * count;
    this.#n += count;
  }

  #closeDay(): void {
    this.#means.push(this.#sum / this.#n);
    if (this.#means.length > HEATING_SEASON.days) this.#means.shift();
    if (this.#means.length < HEATING_SEASON.days) this.#on = mean(this.#means) <= HEATING_SEASON.thresholdC;
    else this.#on = nextHeatingSeason(this.#on ?? true, this.#means);
  }

  /** In season? Undefined until any outdoor temperature has been seen. */
  get on(): boolean | undefined {
    if (this.#on !== undefined) return this.#on;
    return this.#n > 0 ? this.#sum / this.#n <= HEATING_SEASON.thresholdC : undefined;
  }
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
