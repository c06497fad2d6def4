import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../services/clock.ts';
import { FailureLimiter } from '../../../services/api/rate-limit.ts';

describe('failure limiter', () => {
  it('allows n failures a minute per key, then refuses until the oldest is a minute old', () => {
    const clock = new ManualClock(0);
    const l = new FailureLimiter(clock, 3);
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfterMs('addr:1')).toBe(0);
      l.fail('addr:1');
      clock.advance(10_000);
    }
    expect(l.retryAfterMs('addr:1')).toBe(30_000);
    expect(l.retryAfterMs('addr:2')).toBe(0);
    clock.advance(29_999);
    expect(l.retryAfterMs('addr:1')).toBe(1);
    clock.advance(1);
    expect(l.retryAfterMs('addr:1')).toBe(0);
    l.fail('addr:1');
    expect(l.retryAfterMs('addr:1')).toBe(10_000);
  });

  it('holds a bounded number of keys, forgetting the stalest', () => {
    const clock = new ManualClock(0);
    const l = new FailureLimiter(clock, 1, 3);
    for (const k of ['a', 'b', 'c', 'd']) l.fail(k);
    expect(l.keys).toBe(3);
    expect(l.retryAfterMs('a')).toBe(0);
    expect(l.retryAfterMs('d')).toBeGreaterThan(0);
    clock.advance(60_000);
    expect(['b', 'c', 'd'].map((k) => l.retryAfterMs(k))).toEqual([0, 0, 0]);
    expect(l.keys).toBe(0);
  });
});
