import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUBSYSTEMS, deviceTopic, parseDeviceTopic, telemetryTopic, type Subsystem } from '../../../devices/index.ts';

const slug = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/);
const deviceId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,30}$/);
const address = fc.record({
  town: slug,
  subsystem: fc.constantFrom(...SUBSYSTEMS),
  district: slug,
  kind: slug,
  deviceId,
});

describe('topic scheme', () => {
  it('builds the documented telemetry topic', () => {
    expect(telemetryTopic({ town: 'temirtau', subsystem: 'utilities', district: 'old-town', kind: 'water-pressure', deviceId: 'wp-1' })).toBe(
      'city/temirtau/utilities/old-town/water-pressure/wp-1/telemetry',
    );
  });

  it('parses back every topic it builds', () => {
    expect.hasAssertions();
    fc.assert(
      fc.property(address, fc.constantFrom('telemetry' as const, 'status' as const), (a, channel) => {
        const parsed = parseDeviceTopic(deviceTopic(a, channel));
        expect(parsed).toEqual({ ok: true, value: { ...a, channel } });
      }),
    );
  });

  it('never throws on arbitrary strings and explains every refusal', () => {
    expect.hasAssertions();
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = parseDeviceTopic(s);
        if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
      }),
    );
  });

  it.each([
    ['city/temirtau/utilities/old-town/water-pressure/wp-1', 'expected 7 levels'],
    ['town/temirtau/utilities/old-town/water-pressure/wp-1/telemetry', 'first level must be "city"'],
    ['city/temirtau/plumbing/old-town/water-pressure/wp-1/telemetry', 'subsystem "plumbing"'],
    ['city/Temirtau/utilities/old-town/water-pressure/wp-1/telemetry', 'town "Temirtau"'],
    ['city/temirtau/utilities/old town/water-pressure/wp-1/telemetry', 'district "old town"'],
    ['city/temirtau/utilities/old-town/water-pressure/wp#1/telemetry', 'deviceId "wp#1"'],
    ['city/temirtau/utilities/old-town/water-pressure/wp-1/readings', 'channel must be'],
  ])('refuses %s', (topic, reason) => {
    const r = parseDeviceTopic(topic);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });

  it('refuses to build a topic with a wildcard in a level', () => {
    expect(() => telemetryTopic({ town: 'temirtau', subsystem: 'utilities' as Subsystem, district: '+', kind: 'water-pressure', deviceId: 'x' })).toThrow(/district/);
  });
});
