import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicMatches } from '../../services/bus/mqtt-bus.ts';

describe('MQTT topic filter matching [MQTT-4.7.1]', () => {
  it.each([
    ['city/temirtau/#', 'city/temirtau/utilities/a/b/c/telemetry', true],
    ['city/temirtau/#', 'city/temirtau', true],
    ['city/+/deadletter', 'city/temirtau/deadletter', true],
    ['city/+/deadletter', 'city/temirtau/x/deadletter', false],
    ['city/temirtau/+', 'city/temirtau', false],
    ['city/rudny/#', 'city/temirtau/deadletter', false],
    ['a/b', 'a/b/c', false],
  ])('%s against %s is %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it('matches every topic against itself and against # ', () => {
    expect.hasAssertions();
    const level = fc.stringMatching(/^[a-z0-9-]{1,8}$/);
    fc.assert(
      fc.property(fc.array(level, { minLength: 1, maxLength: 8 }), (levels) => {
        const topic = levels.join('/');
        expect(topicMatches(topic, topic)).toBe(true);
        expect(topicMatches('#', topic)).toBe(true);
        expect(topicMatches(levels.map(() => '+').join('/'), topic)).toBe(true);
      }),
    );
  });
});
