// Silences: which windows a one-off, daily and weekly silence opens (checked against
// a minute-by-minute walk of the calendar for any input), what they match, and the
// store: journalled across a restart, bounded with ended ones given up first and a
// clear refusal past the limit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../services/clock.ts';
import type { Incident, Silence } from '../../../services/contracts/index.ts';
import { activeAt, DAY_MS, SilenceStore, silenceMatches, viewOf, windowAt } from '../../../services/incidents/silences.ts';
import { tempDir } from '../../helpers/platform.ts';

const H = 3_600_000;
// Tuesday 2026-01-06 09:00 in Kazakhstan (UTC+5)
const TUE_9 = Date.parse('2026-01-06T09:00:00+05:00');

const silence = (s: Partial<Silence>): Silence => ({ id: 'SIL-1', match: { utility: 'water' }, startsAt: TUE_9, endsAt: TUE_9 + 90 * DAY_MS, comment: 'works', createdBy: 'aigerim', createdAt: 0, ...s });

/** The same rule spelled out the slow way: is `at` inside a window that opened at start + k days on an allowed day? */
function naiveActive(s: Silence, at: number): boolean {
  const end = Math.min(s.endsAt, s.expiredAt ?? Infinity);
  if (at < s.startsAt || at >= end) return false;
  const r = s.recurrence;
  if (!r) return true;
  for (let k = 0; s.startsAt + k * DAY_MS <= at; k++) {
    const open = s.startsAt + k * DAY_MS;
    const day = new Date(open + (r.utcOffsetMinutes ?? 0) * 60_000).getUTCDay();
    const allowed = r.freq === 'daily' || (r.byDay ? r.byDay.includes(day) : k % 7 === 0);
    if (allowed && at < open + r.durationMs) return true;
  }
  return false;
}

describe('silence windows', () => {
  it('opens a weekly window on the given days at the start time of day, in the given offset', () => {
    const s = silence({ recurrence: { freq: 'weekly', byDay: [2, 4], durationMs: 4 * H, utcOffsetMinutes: 300 } });
    expect(activeAt(s, TUE_9 - 1)).toBe(false);
    expect(activeAt(s, TUE_9)).toBe(true);
    expect(activeAt(s, TUE_9 + 4 * H - 1)).toBe(true);
    expect(activeAt(s, TUE_9 + 4 * H)).toBe(false);
    expect(activeAt(s, TUE_9 + DAY_MS + H)).toBe(false); // Wednesday
    expect(activeAt(s, TUE_9 + 2 * DAY_MS + H)).toBe(true); // Thursday
    expect(windowAt(s, TUE_9 + 4 * H)).toEqual([TUE_9 + 2 * DAY_MS, TUE_9 + 2 * DAY_MS + 4 * H]); // the next: Thursday
    expect(viewOf(s, TUE_9 - H)).toMatchObject({ state: 'pending', window: [TUE_9, TUE_9 + 4 * H] });
    expect(viewOf(s, TUE_9 + 91 * DAY_MS).state).toBe('expired');
    expect(viewOf({ ...s, expiredAt: TUE_9 + H }, TUE_9 + 2 * H)).toMatchObject({ state: 'expired' });
  });

  it('agrees with a day-by-day walk for any one-off, daily or weekly silence and any time', () => {
    const recurrence = fc.option(
      fc.record({
        freq: fc.constantFrom('daily' as const, 'weekly' as const),
        byDay: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }), { nil: undefined }),
        durationMs: fc.integer({ min: 60_000, max: 7 * DAY_MS }),
        utcOffsetMinutes: fc.option(fc.integer({ min: -720, max: 840 }), { nil: undefined }),
      }).map((r) => (r.freq === 'daily' ? { freq: r.freq, durationMs: Math.min(r.durationMs, DAY_MS), ...(r.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: r.utcOffsetMinutes } : {}) } : r)),
      { nil: undefined },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 * DAY_MS }), fc.integer({ min: 60_000, max: 60 * DAY_MS }), recurrence, fc.integer({ min: -DAY_MS, max: 130 * DAY_MS }), (offset, span, r, probe) => {
        const s = silence({ startsAt: TUE_9 + offset, endsAt: TUE_9 + offset + span, ...(r ? { recurrence: r } : {}) });
        const at = TUE_9 + probe;
        expect(activeAt(s, at)).toBe(naiveActive(s, at));
        const w = windowAt(s, at);
        if (w) {
          // the window given is a real one: active at its start and just before its end, not past it
          expect(naiveActive(s, w[0])).toBe(true);
          expect(naiveActive(s, w[1] - 1)).toBe(true);
          if (w[0] > at) for (let t = at; t < w[0]; t += 3 * H) expect(naiveActive(s, t)).toBe(false);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('matches on every field it names: utility, district, rule, and a device among the incident\'s', () => {
    const inc = { utility: 'water', district: 'old-town', ruleId: 'water-main-break', asset: 'old-town', devices: ['wp-1', 'wp-2'] } as Pick<Incident, 'utility' | 'district' | 'devices' | 'asset' | 'ruleId'>;
    expect(silenceMatches({ utility: 'water' }, inc)).toBe(true);
    expect(silenceMatches({ utility: 'water', district: 'new-town' }, inc)).toBe(false);
    expect(silenceMatches({ device: 'wp-2' }, inc)).toBe(true);
    expect(silenceMatches({ device: 'wp-3' }, inc)).toBe(false);
    expect(silenceMatches({ ruleId: 'water-main-break', district: 'old-town' }, inc)).toBe(true);
    expect(silenceMatches({ ruleId: 'water-low-pressure' }, inc)).toBe(false);
  });
});

describe('silence store', () => {
  it('keeps silences and early ends across a restart', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(TUE_9);
    const a = new SilenceStore({ dataDir: dir, clock, maxSilences: 10 });
    await a.start();
    const s1 = a.add({ match: { utility: 'water' }, startsAt: TUE_9, endsAt: TUE_9 + DAY_MS, comment: 'works' }, 'aigerim');
    const s2 = a.add({ match: { district: 'old-town' }, startsAt: TUE_9, endsAt: TUE_9 + DAY_MS, comment: 'works', recurrence: { freq: 'daily', durationMs: H } }, 'aigerim');
    clock.advance(H / 2);
    a.expire(s1.id, 'bolat');
    expect(() => a.expire(s1.id, 'bolat')).toThrow(expect.objectContaining({ code: 'ERR_SILENCE_STATE' }));
    expect(() => a.expire('SIL-none', 'bolat')).toThrow(expect.objectContaining({ code: 'ERR_SILENCE_NOT_FOUND' }));
    await a.stop();
    const b = new SilenceStore({ dataDir: dir, clock, maxSilences: 10 });
    await b.start();
    expect(b.get(s1.id)).toMatchObject({ expiredBy: 'bolat', expiredAt: TUE_9 + H / 2 });
    expect(b.list().map((v) => `${v.id}:${v.state}`).sort()).toEqual([`${s1.id}:expired`, `${s2.id}:active`].sort());
    await b.stop();
  });

  it('gives up ended silences to make room, and refuses a new one past QALA_MAX_SILENCES when all still count', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(TUE_9);
    const store = new SilenceStore({ dataDir: dir, clock, maxSilences: 2 });
    await store.start();
    const old = store.add({ match: { utility: 'water' }, startsAt: TUE_9, endsAt: TUE_9 + H, comment: 'short' }, 'aigerim');
    store.add({ match: { utility: 'heat' }, startsAt: TUE_9, endsAt: TUE_9 + DAY_MS, comment: 'long' }, 'aigerim');
    expect(() => store.add({ match: { utility: 'gas' }, startsAt: TUE_9, endsAt: TUE_9 + DAY_MS, comment: 'third' }, 'aigerim')).toThrow(
      expect.objectContaining({ code: 'ERR_LIMIT_REACHED', message: expect.stringContaining('QALA_MAX_SILENCES') }),
    );
    clock.advance(2 * H); // the first has ended
    store.add({ match: { utility: 'gas' }, startsAt: TUE_9 + 2 * H, endsAt: TUE_9 + DAY_MS, comment: 'third' }, 'aigerim');
    expect(store.list().map((s) => s.comment).sort()).toEqual(['long', 'third']);
    expect(() => store.get(old.id)).toThrow(/no silence/);
    await store.stop();
  });
});
