// The heating season as the rules see it: from the outdoor temperatures that the
// substations themselves report, in device time, by the same five-day +8 °C rule
// the simulator and district heating use (devices/heating-schedule.ts). Until five
// whole days have been seen it goes by the mean of what it has: a cold start in
// July is out of season at once, one in January in season.
import { HEATING_SEASON, nextHeatingSeason } from '../../devices/index.ts';

const DAY = 86_400_000;

export class HeatingSeasonTracker {
  #day = Number.NaN;
  #sum = 0;
  #n = 0;
  readonly #means: number[] = [];
  #on: boolean | undefined;

  /** Feeds one in-order outdoor temperature at device time `ts`. */
  observe(ts: number, outdoor: number): void {
    const day = Math.floor(ts / DAY);
    if (day < this.#day) return; // a late reading from a closed day changes nothing
    if (day > this.#day) {
      if (this.#n > 0) this.#closeDay();
      this.#day = day;
      this.#sum = 0;
      this.#n = 0;
    }
    this.#sum += outdoor;
    this.#n++;
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
