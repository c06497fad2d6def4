import { describe, expect, it } from 'vitest';
import { DEFAULT_HEATING_CHART, heatingSchedule, nextHeatingSeason } from '../../../devices/index.ts';

describe('the standard quality-regulation chart (Sokolov)', () => {
  it('meets the 130/70 design point at the design outdoor temperature', () => {
    expect(heatingSchedule(-32).supply).toBeCloseTo(130, 6);
    expect(heatingSchedule(-32).return).toBeCloseTo(70, 6);
    expect(heatingSchedule(-40).supply).toBeCloseTo(130, 6); // colder than design: the chart stays at its design point
  });

  it('is a curve that sits below the straight line between the end points in mild weather', () => {
    const line = (t: number) => 70 + (60 * (8 - t)) / 40;
    // −5 °C: Sokolov's formula gives about 77.5 °C, the line 89.5 °C
    expect(heatingSchedule(-5).supply).toBeGreaterThan(76);
    expect(heatingSchedule(-5).supply).toBeLessThan(79);
    for (const t of [-14, -10, -5, 0]) expect(line(t) - heatingSchedule(t).supply).toBeGreaterThan(3);
  });

  it('is flat at the hot-water floor above the break point, and falls monotonically below it', () => {
    expect(heatingSchedule(5).supply).toBe(DEFAULT_HEATING_CHART.hotWaterFloor);
    expect(heatingSchedule(0).supply).toBe(70);
    let prev = Infinity;
    for (let t = -32; t <= 8; t++) {
      const s = heatingSchedule(t).supply;
      expect(s).toBeLessThanOrEqual(prev);
      prev = s;
    }
  });

  it('follows the town\'s design temperature', () => {
    expect(heatingSchedule(-38, { ...DEFAULT_HEATING_CHART, designOutdoor: -38 }).supply).toBeCloseTo(130, 6);
    expect(heatingSchedule(-20, { ...DEFAULT_HEATING_CHART, designOutdoor: -38 }).supply).toBeLessThan(heatingSchedule(-20).supply);
  });
});

describe('the heating season', () => {
  it('starts after five days at or below +8 °C and ends after five days above it', () => {
    expect(nextHeatingSeason(false, [9, 7, 7, 7, 7])).toBe(false);
    expect(nextHeatingSeason(false, [7, 7, 7, 7, 7])).toBe(true);
    expect(nextHeatingSeason(true, [9, 9, 9, 9, 7])).toBe(true);
    expect(nextHeatingSeason(true, [9, 9, 9, 9, 9])).toBe(false);
    expect(nextHeatingSeason(true, [9, 9])).toBe(true);
  });
});
