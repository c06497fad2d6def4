// The cooling model behind time to freeze (Newton's law of cooling): never a
// negative time, longer for a slower building (larger τ) and for milder outdoor
// air, and the indoor temperature it predicts at that time is the limit itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hoursToLimit, indoorAfter } from '../../../services/kpis/freeze.ts';

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
