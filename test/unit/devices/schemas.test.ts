import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS, DeviceRegistry, SUBSYSTEMS } from '../../../devices/index.ts';
import { step } from '../../../simulator/models.ts';
import { deviceRandom } from '../../../simulator/rng.ts';
import { inventory, loadScenario } from '../../../simulator/scenario.ts';

const registry = new DeviceRegistry();
const scenario = loadScenario('temirtau');
const T0 = Date.UTC(2026, 0, 15, 0, 0);
const YEAR = 365 * 86_400_000;

describe('device kind contracts', () => {
  it('covers every subsystem with at least one kind', () => {
    expect(new Set(DEVICE_KINDS.map((k) => k.subsystem))).toEqual(new Set(SUBSYSTEMS));
  });

  it('gives every metric a unit, a normal band inside its physical bounds, and the headline is a metric', () => {
    expect.hasAssertions();
    for (const k of DEVICE_KINDS) {
      expect(Object.keys(k.metrics)).toContain(k.headline);
      for (const m of Object.values(k.metrics)) {
        expect(m.unit).not.toBe('');
        expect(m.normal[0]).toBeGreaterThanOrEqual(m.bounds[0]);
        expect(m.normal[1]).toBeLessThanOrEqual(m.bounds[1]);
      }
    }
  });

  // The contract test: whatever the simulator emits, for any seed and any time of
  // year, passes the kind's own schema.
  it.each(DEVICE_KINDS.map((k) => [k.id]))('simulated %s readings pass their own schema for many seeds', (kindId) => {
    const devices = inventory(scenario, { scale: 1, seed: 1 }).filter((d) => d.kind.id === kindId).slice(0, 3);
    expect(devices.length).toBeGreaterThan(0);
    const schema = registry.get(kindId)!.schema;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: YEAR }), (seed, offset) => {
        for (const device of devices) {
          const rng = deviceRandom(seed, device.deviceId);
          const state = {};
          for (let i = 0; i < 20; i++) {
            const ts = T0 + offset + i * 60_000;
            const metrics = step(device, scenario, ts, 60_000, rng, state);
            const r = schema.safeParse({ ts, metrics });
            if (!r.success) throw new Error(`${device.deviceId} at ${new Date(ts).toISOString()}: ${r.error.message}`);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  const water = registry.get('water-pressure')!.schema;
  it.each([
    [{ ts: T0, metrics: { pressure: '3.1' } }, 'pressure must be a number'],
    [{ ts: T0, metrics: { pressure: -1 } }, 'below physical bound'],
    [{ ts: T0, metrics: { pressure: 3, colour: 1 } }, 'colour'],
    [{ ts: T0, metrics: {} }, 'at least one metric'],
    [{ ts: 1_768_435_200, metrics: { pressure: 3 } }, 'seconds given?'],
    [{ ts: T0 + 0.5, metrics: { pressure: 3 } }, 'whole milliseconds'],
    [{ metrics: { pressure: 3 } }, 'ts'],
    [{ ts: T0, metrics: { pressure: 3 }, extra: true }, 'extra'],
  ])('rejects %j with a reason', (payload, reason) => {
    const r = water.safeParse(payload);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain(reason);
  });

  it('accepts a partial reading (a camera reporting only a detection)', () => {
    expect(registry.get('emergency-camera')!.schema.safeParse({ ts: T0, metrics: { smoke: 0.9 } }).success).toBe(true);
  });
});
