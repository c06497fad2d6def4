import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keep, overlaps, ringCentre } from '../../../dashboards/src/map-labels.ts';

const box = (left: number, top: number, width: number, height: number) => ({ left, top, width, height, right: left + width, bottom: top + height, x: left, y: top }) as DOMRectReadOnly;

describe('map labels', () => {
  it('keeps a label unless it covers one kept before it', () => {
    // b overlaps a (kept first); c touches a edge to edge, which is not covering; d overlaps c
    expect(keep([box(0, 0, 100, 20), box(50, 10, 100, 20), box(100, 0, 50, 20), box(120, 5, 10, 10)])).toEqual([true, false, true, false]);
  });

  it('never keeps two overlapping labels, whatever the boxes', () => {
    const arb = fc.array(fc.tuple(fc.integer({ min: -500, max: 500 }), fc.integer({ min: -500, max: 500 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 40 })), { maxLength: 40 });
    fc.assert(
      fc.property(arb, (raw) => {
        const boxes = raw.map(([x, y, w, h]) => box(x, y, w, h));
        const kept = boxes.filter((_, i) => keep(boxes)[i]);
        for (let i = 0; i < kept.length; i++) for (let j = i + 1; j < kept.length; j++) expect(overlaps(kept[i]!, kept[j]!)).toBe(false);
        // the first visible label always stays
        const first = boxes.findIndex((b) => b.width > 0 && b.height > 0);
        if (first >= 0) expect(keep(boxes)[first]).toBe(true);
      }),
    );
  });

  it("puts a district's name at the centroid of its outline, not the mean of its vertices", () => {
    // a square with extra vertices crowded on one side: the centroid stays in the middle
    const ring: [number, number][] = [[0, 0], [1, 0], [2, 0], [3, 0], [4, 0], [4, 4], [0, 4], [0, 0]];
    const [x, y] = ringCentre(ring);
    expect(x).toBeCloseTo(2, 9);
    expect(y).toBeCloseTo(2, 9);
    // a degenerate ring (all on a line) falls back to the vertices' mean
    expect(ringCentre([[0, 0], [2, 0], [0, 0]])).toEqual([2 / 3, 0]);
  });
});
