// The page's time fields and the shift handover's default read the town's clock
// (Temirtau: UTC+5), whatever zone the browser is in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTownInput, setTownOffset, shiftStart, townInput } from '../../../dashboards/src/i18n/i18n.ts';

describe('town time fields', () => {
  it('reads and writes "YYYY-MM-DD HH:MM" on the town clock', () => {
    setTownOffset(300);
    expect(townInput(Date.UTC(2026, 0, 15, 4, 0))).toBe('2026-01-15 09:00');
    expect(parseTownInput('2026-01-15 09:00')).toBe(Date.UTC(2026, 0, 15, 4, 0));
    expect(parseTownInput(' 2026-01-15T23:59 ')).toBe(Date.UTC(2026, 0, 15, 18, 59));
    for (const bad of ['2026-02-31 09:00', '2026-01-15 24:00', '2026-01-15 9:00', '15.01.2026 09:00', '', '2026-13-01 00:00']) expect(parseTownInput(bad), bad).toBeUndefined();
  });

  it('gives back any minute it wrote (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -720, max: 840 }), fc.integer({ min: 0, max: 4_000_000_000_000 }), (offset, ms) => {
        setTownOffset(offset);
        const minute = Math.floor(ms / 60_000) * 60_000;
        expect(parseTownInput(townInput(minute))).toBe(minute);
      }),
    );
  });

  it('starts the shift at 08:00 or 20:00 town time, the evening shift running past midnight', () => {
    setTownOffset(300);
    const town = (d: number, h: number, m = 0) => Date.UTC(2026, 0, d, h - 5, m);
    expect(shiftStart(town(15, 8))).toBe(town(15, 8));
    expect(shiftStart(town(15, 13, 30))).toBe(town(15, 8));
    expect(shiftStart(town(15, 19, 59))).toBe(town(15, 8));
    expect(shiftStart(town(15, 20))).toBe(town(15, 20));
    expect(shiftStart(town(15, 23, 10))).toBe(town(15, 20));
    expect(shiftStart(town(16, 3))).toBe(town(15, 20));
    expect(shiftStart(town(16, 7, 59))).toBe(town(15, 20));
  });
});
