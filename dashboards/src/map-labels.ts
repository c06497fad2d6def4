// Labels on the map that never cover one another: each label in priority order is
// kept unless its box overlaps one already kept, else hidden (the greedy placement
// of most map renderers' collision pass, e.g. MapLibre's symbol placement, with one
// candidate position per label). District names sit at their outline's centroid.

/** Axis-aligned boxes overlap (touching edges do not count). */
export function overlaps(a: DOMRectReadOnly, b: DOMRectReadOnly): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** Which of these boxes, taken in order, stay: those that overlap none kept before them. */
export function keep(boxes: readonly DOMRectReadOnly[]): boolean[] {
  const kept: DOMRectReadOnly[] = [];
  return boxes.map((b) => {
    if (b.width === 0 || b.height === 0) return false;
    if (kept.some((k) => overlaps(k, b))) return false;
    kept.push(b);
    return true;
  });
}

/** Hides (visibility, so the layout stays) each label that would cover one earlier in the list. */
export function declutter(labels: readonly HTMLElement[]): void {
  for (const el of labels) el.classList.remove('collides');
  const shown = keep(labels.map((el) => el.getBoundingClientRect()));
  labels.forEach((el, i) => el.classList.toggle('collides', !shown[i]));
}

/**
 * The centroid of a closed ring of [lon, lat] (the shoelace formula's area-weighted
 * centre), so a district's name sits in the middle of its outline; the mean of the
 * vertices for a degenerate ring. Districts are a few km wide, so treating degrees as
 * a plane moves the centre by far less than a label's width.
 */
export function ringCentre(ring: readonly (readonly [number, number])[]): [number, number] {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x0, y0] = ring[i]!;
    const [x1, y1] = ring[i + 1]!;
    const cross = x0 * y1 - x1 * y0;
    a += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  if (Math.abs(a) < 1e-12) {
    const n = Math.max(1, ring.length);
    return [ring.reduce((s, p) => s + p[0], 0) / n, ring.reduce((s, p) => s + p[1], 0) / n];
  }
  return [cx / (3 * a), cy / (3 * a)];
}
