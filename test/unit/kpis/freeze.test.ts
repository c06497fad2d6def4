// The cooling model behind time to freeze (Newton's law of cooling): never a
// negative time, longer for a slower building (larger τ) and for milder outdoor
// air, and the indoor temperature it predicts at that time is the limit itself; the
// estimate an outage's incident carries, made again as the outdoor air changes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hoursToLimit, indoorAfter, nextFreeze } from '../../../services/kpis/freeze.ts';

const temp = fc.double({ min: -60, max: 40, noNaN: true });
const tau = fc.double({ min: 0.1, max: 500, noNaN: true });

describe('cooling model', () => {
  it('never gives a negative time', () => {
    fc.assert(
      fc.property(temp, temp, temp, tau, (indoorStartC, outdoorC, limitC, tauH) => {
        expect(hoursToLimit({ indoorStartC, outdoorC, limitC, tauH })).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('takes longer for a larger time constant', () => {
    fc.assert(
      fc.property(temp, temp, temp, tau, tau, (indoorStartC, outdoorC, limitC, t1, t2) => {
        const [lo, hi] = t1 <= t2 ? [t1, t2] : [t2, t1];
        expect(hoursToLimit({ indoorStartC, outdoorC, limitC, tauH: lo })).toBeLessThanOrEqual(hoursToLimit({ indoorStartC, outdoorC, limitC, tauH: hi }));
      }),
    );
  });

  it('takes longer the milder the outdoor air', () => {
    fc.assert(
      fc.property(temp, temp, temp, temp, tau, (indoorStartC, o1, o2, limitC, tauH) => {
        const [cold, mild] = o1 <= o2 ? [o1, o2] : [o2, o1];
        expect(hoursToLimit({ indoorStartC, outdoorC: cold, limitC, tauH })).toBeLessThanOrEqual(hoursToLimit({ indoorStartC, outdoorC: mild, limitC, tauH }));
      }),
    );
  });

  it('reaches the limit at the time it gives, and never when the outdoor air is no colder than the limit', () => {
    fc.assert(
      fc.property(temp, temp, temp, tau, (indoorStartC, outdoorC, limitC, tauH) => {
        const t = hoursToLimit({ indoorStartC, outdoorC, limitC, tauH });
        if (indoorStartC <= limitC) expect(t).toBe(0);
        else if (outdoorC >= limitC) expect(t).toBe(Infinity);
        else expect(indoorAfter({ indoorStartC, outdoorC, tauH }, t)).toBeCloseTo(limitC, 6);
      }),
    );
  });

  it('gives the hand-worked figure for a panel block at −30 °C', () => {
    // τ = 40 h, 20 °C → 12 °C at −30 °C outdoors: 40 · ln(50 / 42) = 6.974 h
    expect(hoursToLimit({ indoorStartC: 20, outdoorC: -30, limitC: 12, tauH: 40 })).toBeCloseTo(6.974, 3);
  });
});

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 15, 3);

describe('the estimate an outage carries', () => {
  it('gives the hand-worked limit at opening, and an earlier one when it gets colder', () => {
    // opened at −20 °C, τ = 40 h: 20 → 12 °C in 40 · ln(40 / 32) = 8.9257 h
    const first = nextFreeze(undefined, { openedAt: T0 }, -20, 40, T0);
    expect(first).toMatchObject({ at: T0, outdoorC: -20, tauH: 40, indoorStartC: 20, indoorC: 20, limitC: 12 });
    expect(first.remainingH).toBeCloseTo(8.9257, 4);
    expect(first.limitAt! - T0).toBeCloseTo(8.9257 * H, -3);
    // two hours on, −30 °C: the flats are at −20 + 40 · e^(−2/40) = 18.0492 °C; from there at −30 °C
    // 40 · ln((18.0492 + 30) / (12 + 30)) = 5.3822 h are left: the limit at 7.3822 h instead of 8.9257 h
    const colder = nextFreeze(first, { openedAt: T0 }, -30, 40, T0 + 2 * H);
    expect(colder.indoorC).toBeCloseTo(18.0492, 4);
    expect(colder.remainingH).toBeCloseTo(5.3822, 4);
    expect((colder.limitAt! - T0) / H).toBeCloseTo(7.3822, 4);
  });

  it('keeps the limit where it was while the outdoor air holds, whenever it is estimated again', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 11, noNaN: true }), fc.double({ min: 1, max: 200, noNaN: true }), fc.array(fc.double({ min: 0, max: 48, noNaN: true }), { maxLength: 5 }), (outdoorC, tauH, hours) => {
        const first = nextFreeze(undefined, { openedAt: T0 }, outdoorC, tauH, T0);
        let f = first;
        for (const h of [...hours].sort((a, b) => a - b)) f = nextFreeze(f, { openedAt: T0 }, outdoorC, tauH, T0 + h * H);
        expect(f.limitAt! / H).toBeCloseTo(first.limitAt! / H, 6);
      }),
    );
  });

  it('brings the limit forward when it gets colder and never moves a limit already reached', () => {
    fc.assert(
      fc.property(temp, temp, fc.double({ min: 0, max: 48, noNaN: true }), tau, (a, b, h, tauH) => {
        const [cold, mild] = a <= b ? [a, b] : [b, a];
        const first = nextFreeze(undefined, { openedAt: T0 }, mild, tauH, T0);
        const now = T0 + h * H;
        const next = nextFreeze(first, { openedAt: T0 }, cold, tauH, now);
        if (first.limitAt !== null && first.limitAt <= now) expect(next).toMatchObject({ limitAt: first.limitAt, remainingH: 0 });
        else if (first.limitAt !== null) expect(next.limitAt!).toBeLessThanOrEqual(first.limitAt + 1e-6);
        expect(next.remainingH === null || next.remainingH >= 0).toBe(true);
      }),
    );
  });
});
