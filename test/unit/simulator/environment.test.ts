import { describe, expect, it } from 'vitest';
import { DEFAULT_HEATING_CHART, heatingSchedule } from '../../../devices/index.ts';
import { KARAGANDA, conditionsAt, dailyMeanTemp, heatingSeasonOn } from '../../../simulator/environment.ts';
import { step } from '../../../simulator/models.ts';
import { deviceRandom } from '../../../simulator/rng.ts';
import { inventory, loadScenario } from '../../../simulator/scenario.ts';

const DAY = 86_400_000;
const dayOf = (iso: string) => Math.floor((Date.parse(iso) + 5 * 3_600_000) / DAY);

describe('climate and heating season', () => {
  it('switches heating on after five days at or below +8 °C, and off after five above', () => {
    expect(heatingSeasonOn(dayOf('2026-01-15T12:00:00Z'))).toBe(true);
    expect(heatingSeasonOn(dayOf('2026-07-15T12:00:00Z'))).toBe(false);
    // find the autumn switch: the five days before it are all at or below +8 °C
    let d = dayOf('2026-09-01T12:00:00Z');
    while (!heatingSeasonOn(d)) d++;
    for (let k = 1; k <= 5; k++) expect(dailyMeanTemp(d - k)).toBeLessThanOrEqual(8);
    expect(d).toBeGreaterThan(dayOf('2026-09-20T00:00:00Z'));
    expect(d).toBeLessThan(dayOf('2026-11-01T00:00:00Z'));
  });

  it('has Karaganda\'s January and July means within a couple of degrees', () => {
    const mean = (from: string) => {
      let s = 0;
      for (let i = 0; i < 31; i++) s += dailyMeanTemp(dayOf(from) + i, KARAGANDA);
      return s / 31;
    };
    expect(mean('2026-01-01T12:00:00Z')).toBeGreaterThan(KARAGANDA.januaryMeanC - 2.5);
    expect(mean('2026-01-01T12:00:00Z')).toBeLessThan(KARAGANDA.januaryMeanC + 2.5);
    expect(mean('2026-07-01T12:00:00Z')).toBeGreaterThan(KARAGANDA.julyMeanC - 2.5);
  });
});

describe('substations on the standard chart', () => {
  const scenario = loadScenario('temirtau');
  const subs = inventory(scenario, { scale: 1, seed: 4 }).filter((d) => d.kind.id === 'heat-substation');

  it('keep within a few degrees of the chart for the outdoor temperature two hours back at most', () => {
    const start = Date.parse('2026-01-20T00:00:00+05:00');
    let worst = 0;
    for (const d of subs) {
      const rng = deviceRandom(4, d.deviceId);
      const state = {};
      for (let t = start; t < start + DAY; t += 60_000) {
        const m = step(d, scenario, t, 60_000, rng, state);
        // the warmest outdoor temperature of the last two hours: the chart the rules hold a substation to
        let warmest = -Infinity;
        for (let back = 0; back <= 120; back += 10) warmest = Math.max(warmest, conditionsAt(t - back * 60_000, 300, scenario.climate).outdoorTemp);
        worst = Math.max(worst, heatingSchedule(warmest, { ...DEFAULT_HEATING_CHART, designOutdoor: scenario.climate!.designOutdoorC }).supply - m.supplyTemp!);
      }
    }
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(10); // the built-in underheating rule's tolerance band
  });
});
