// History search and the shift handover over plain incidents: paging by cursor
// visits every match exactly once, newest opened first, whatever the page size;
// the time window keeps incidents active at some point in it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../../services/contracts/index.ts';
import { decodeCursor, encodeCursor, handover, search } from '../../../services/incidents/search.ts';

const T0 = Date.UTC(2026, 0, 15, 6);

const incident = (n: number, openedAt: number, over: Partial<Incident> = {}): Incident => ({
  id: `INC-${String(n).padStart(6, '0')}`, ruleId: 'water-low-pressure', title: 't', severity: 'major', state: 'open', subsystem: 'utilities', utility: 'water', district: 'old-town',
  asset: `wp-${n}`, kind: 'water-pressure', devices: [`wp-${n}`], evidence: [], occurrences: 1, flaps: 0, openedAt, updatedAt: openedAt, conditionCleared: false,
  history: [{ at: openedAt, action: 'opened', by: 'rules' }], ...over,
});

describe('incident search', () => {
  it('pages through every match once, newest opened first, for any history and page size', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.integer({ min: 0, max: 50 }), utility: fc.constantFrom('water', 'heat') }), { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (rows, limit) => {
        // equal opening times on purpose: the id breaks the tie (and ids past INC-999999 still sort as numbers)
        const all = rows.map((r, i) => incident(i * 137_000 + 1, T0 + r.at * 1000, { utility: r.utility }));
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages <= all.length + 1; pages++) {
          const page = search(all, { utility: 'water', limit, ...(cursor ? { cursor } : {}) });
          expect(page.count).toBeLessThanOrEqual(limit);
          seen.push(...page.incidents.map((i) => i.id));
          if (!page.next) break;
          cursor = page.next;
        }
        const expected = all.filter((i) => i.utility === 'water').sort((a, b) => b.openedAt - a.openedAt || Number(b.id.slice(4)) - Number(a.id.slice(4))).map((i) => i.id);
        expect(seen).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps incidents active at some time in [from, to): opened before to, not resolved before from', () => {
    const all = [
      incident(1, T0, { state: 'resolved', resolvedAt: T0 + 10 }), // over before the window
      incident(2, T0, { state: 'resolved', resolvedAt: T0 + 100 }), // overlaps
      incident(3, T0 + 150), // open, opened inside
      incident(4, T0 + 200), // opened at `to`: outside
    ];
    expect(search(all, { from: T0 + 50, to: T0 + 200, limit: 10 }).incidents.map((i) => i.id)).toEqual(['INC-000003', 'INC-000002']);
    expect(search(all, { state: 'resolved', limit: 10 }).incidents.map((i) => i.id)).toEqual(['INC-000002', 'INC-000001']);
  });

  it('reads back only cursors it wrote', () => {
    expect(decodeCursor(encodeCursor({ openedAt: T0, id: 'INC-000042' }))).toEqual({ openedAt: T0, id: 'INC-000042' });
    expect(decodeCursor('bogus')).toBeUndefined();
    expect(decodeCursor(Buffer.from(`${T0}|../../etc`).toString('base64url'))).toBeUndefined();
  });
});

describe('shift handover', () => {
  it('lists what opened since, what else changed since, and what is still open', () => {
    const since = T0 + 1000;
    const all = [
      incident(1, T0, { history: [{ at: T0, action: 'opened', by: 'rules' }, { at: T0 + 2000, action: 'commented', by: 'aigerim', comment: 'x' }] }),
      incident(2, T0 + 1500),
      incident(3, T0, { state: 'resolved', resolvedAt: T0 + 500, history: [{ at: T0, action: 'opened', by: 'rules' }, { at: T0 + 500, action: 'resolved', by: 'aigerim' }] }),
      incident(4, T0 + 1600, { utility: 'heat' }),
    ];
    const h = handover(all, since, T0 + 5000, { limit: 10 });
    expect(h.opened.map((i) => i.id)).toEqual(['INC-000004', 'INC-000002']);
    expect(h.changed.map((i) => i.id)).toEqual(['INC-000001']);
    expect(h.stillOpen.map((i) => i.id)).toEqual(['INC-000004', 'INC-000002', 'INC-000001']);
    expect(handover(all, since, T0 + 5000, { limit: 1, utility: 'water' })).toMatchObject({ opened: [{ id: 'INC-000002' }], totals: { opened: 1, changed: 1, stillOpen: 2 } });
  });
});
