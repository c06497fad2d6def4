// An icon per device kind for the town map: a small white glyph (SVG, 24×24 view
// box, stroked so it reads at 16 px) on a disc coloured by the device's state. The
// table is keyed by the catalog's kind ids, so the compiler refuses a kind without
// an icon. A kind the page does not know yet (a newer server) gets the generic dot.
import type { KindId } from '../../devices/index.ts';

/** The glyph's inner SVG (paths in a 0..24 box, drawn with currentColor). */
export const KIND_ICONS = {
  // a drop
  'water-pressure': '<path d="M12 3c3.5 4.6 6 8 6 11a6 6 0 0 1-12 0c0-3 2.5-6.4 6-11z"/>',
  // a radiator
  'heat-substation': '<path d="M5 6v12M9.5 6v12M14 6v12M18.5 6v12M3.5 9h17M3.5 15h17"/>',
  // a lightning bolt
  'power-feeder': '<path d="M13.5 2.5 5.5 13.5h6l-1.5 8 8-11h-6z"/>',
  // a well with waves
  'sewage-level': '<circle cx="12" cy="12" r="8.5"/><path d="M6.5 11c1.8-1.4 3.7-1.4 5.5 0s3.7 1.4 5.5 0M6.5 15c1.8-1.4 3.7-1.4 5.5 0s3.7 1.4 5.5 0"/>',
  // a flame
  'gas-pressure': '<path d="M12 21.5a6 6 0 0 1-6-6c0-3.6 3-5.4 3.4-9.5 2.4 1.6 4 4 4 6.2.8-.5 1.4-1.5 1.6-2.7 1.9 1.6 3 3.7 3 6a6 6 0 0 1-6 6z"/>',
  // a traffic light
  'traffic-counter': '<rect x="8" y="2.5" width="8" height="19" rx="3"/><circle cx="12" cy="7" r="1.6"/><circle cx="12" cy="12" r="1.6"/><circle cx="12" cy="17" r="1.6"/>',
  // a camera
  'emergency-camera': '<rect x="2.5" y="7" width="13" height="10" rx="2"/><path d="m15.5 10.5 6-3.5v10l-6-3.5z"/>',
  // a cross
  'clinic-queue': '<path d="M9.5 3.5h5v6h6v5h-6v6h-5v-6h-6v-5h6z"/>',
  // a school building with a flag
  'school-classroom': '<path d="M3 21V11l9-5 9 5v10M9 21v-5h6v5M12 6V2.5h4"/>',
  // a house with a ball
  'kindergarten-room': '<path d="M4 20.5v-9l8-7 8 7v9z"/><circle cx="12" cy="15" r="2.5"/>',
  // a lift car: arrows up and down
  'residential-lift': '<rect x="4" y="2.5" width="16" height="19" rx="2"/><path d="m8.5 9 3.5-3.5L15.5 9M8.5 15l3.5 3.5 3.5-3.5"/>',
  // a bell
  'care-alarm': '<path d="M6 17V11a6 6 0 0 1 12 0v6l1.5 2h-15zM10 21h4"/>',
  // a cloud
  'air-station': '<path d="M7 18.5h10.5a4 4 0 0 0 .3-8A6 6 0 0 0 6.2 10 4.3 4.3 0 0 0 7 18.5z"/>',
} as const satisfies Record<KindId, string>;

const GENERIC = '<circle cx="12" cy="12" r="4"/>';

export function kindGlyph(kind: string): string {
  return (KIND_ICONS as Record<string, string>)[kind] ?? GENERIC;
}

/** The icon's markup: the disc (its class carries the state) and the kind's glyph. */
export function glyphSvg(kind: string): string {
  return `<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${kindGlyph(kind)}</svg>`;
}

/** The plant: a factory with a chimney. */
export const PLANT_SVG =
  '<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"><path d="M2.5 21.5V11l5 3v-3l5 3v-3l5 3V3h4v18.5z"/></svg>';
