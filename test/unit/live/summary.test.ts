import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS, SUBSYSTEMS, UTILITIES } from '../../../devices/index.ts';
import type { DeviceState } from '../../../services/contracts/index.ts';
import { accumulate, fold, summarise } from '../../../services/live/summary.ts';

const KINDS = new Map(DEVICE_KINDS.map((k) => [k.id, k]));

/** Devices of a subsystem's kinds with values in and out of their normal bands. */
const devicesOf = (subsystem: (typeof SUBSYSTEMS)[number]) => {
  const kinds = DEVICE_KINDS.filter((k) => k.subsystem === subsystem);
  return fc.uniqueArray(
    fc.record({
      deviceId: fc.stringMatching(/^[a-z]{1,4}-[0-9]{1,3}$/),
      kind: fc.constantFrom(...kinds),
      ts: fc.integer({ min: 0, max: 1e6 }),
      online: fc.boolean(),
      values: fc.array(fc.double({ min: -100, max: 500, noNaN: true }), { minLength: 1, maxLength: 4 }),
    }).map(({ deviceId, kind, ts, online, values }): DeviceState => ({
      deviceId, subsystem, district: 'old-town', kind: kind.id, ts, online,
      metrics: Object.fromEntries(Object.keys(kind.metrics).slice(0, values.length).map((m, i) => [m, values[i]!])),
    })),
    { selector: (d) => d.deviceId, maxLength: 30 },
  );
};

describe('live summary', () => {
  it("folds one utility's kinds from the whole subsystem's pass exactly as a summary of its own devices alone", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SUBSYSTEMS).chain((s) => fc.tuple(fc.constant(s), devicesOf(s))), ([subsystem, devices]) => {
        const totals = accumulate(devices, KINDS);
        expect(fold(subsystem, totals, KINDS)).toEqual(summarise(subsystem, devices, KINDS));
        for (const u of UTILITIES) {
          const own = devices.filter((d) => KINDS.get(d.kind)!.utility === u);
          expect(fold(subsystem, totals, KINDS, (k) => KINDS.get(k)!.utility === u)).toEqual(summarise(subsystem, own, KINDS));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('counts a device out of normal once, however many of its metrics are out', () => {
    const feeder: DeviceState = { deviceId: 'pf-1', subsystem: 'utilities', district: 'd', kind: 'power-feeder', ts: 5, online: true, metrics: { voltage: 0, load: 120 } };
    const water: DeviceState = { deviceId: 'wp-1', subsystem: 'utilities', district: 'd', kind: 'water-pressure', ts: 9, online: false, metrics: { pressure: 4 } };
    const all = summarise('utilities', [feeder, water], KINDS);
    expect(all).toMatchObject({ devices: 2, online: 1, outOfNormal: 1, lastReadingAt: 9, headline: { kind: 'water-pressure', value: 4 } });
    expect(all.kinds['power-feeder']!.metrics).toMatchObject({ voltage: { outOfNormal: 1 }, load: { outOfNormal: 1 } });
    const power = fold('utilities', accumulate([feeder, water], KINDS), KINDS, (k) => k === 'power-feeder');
    expect(power).toMatchObject({ devices: 1, online: 1, outOfNormal: 1, lastReadingAt: 5, headline: { kind: 'power-feeder', value: 0 } });
  });
});
