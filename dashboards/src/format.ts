// How a figure reads on the page: its label, value and unit in the chosen language.
// Booleans summed over devices read "58 of 60"; detection confidences (unit "p",
// 0..1) read as a percentage; decimals follow the size of the normal band.
import type { DeviceKind, MetricSpec } from '../../devices/index.ts';
import { num, t, tOr } from './i18n/i18n.ts';

export type Kinds = ReadonlyMap<string, DeviceKind>;

/** Text made safe to put in HTML. */
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** How long a kind's devices may stay quiet before their figures are shown as stale. */
export const DEFAULT_REPORT_EVERY_MS = 60_000;
export const reportEveryMs = (kind: DeviceKind | undefined): number => kind?.reportEveryMs ?? DEFAULT_REPORT_EVERY_MS;

export const kindLabel = (kinds: Kinds, id: string): string => tOr(`kind.${id}`, kinds.get(id)?.label ?? id);
export const metricLabel = (metric: string): string => tOr(`metric.${metric}`, metric);
export const unitLabel = (unit: string): string => tOr(`unit.${unit}`, unit);

/** Decimals that show a change within the normal band: 2 for a band under 10 wide, 1 under 100, else 0. */
export function digitsFor(spec: MetricSpec | undefined): number {
  if (!spec) return 2;
  if (spec.integer) return 0;
  const w = spec.normal[1] - spec.normal[0];
  return w < 10 ? 2 : w < 100 ? 1 : 0;
}

/** A value with its unit; `total` (devices reporting) turns a sum of booleans into "n of total". */
export function figure(spec: MetricSpec | undefined, value: number, total?: number): string {
  if (spec?.unit === 'bool') return total !== undefined ? t('tile.ofTotal', { n: num(value, 0), total: num(total, 0) }) : num(value, 0);
  if (spec?.unit === 'p') return `${num(value * 100, 0)} ${unitLabel('p')}`;
  const unit = spec ? unitLabel(spec.unit) : '';
  return unit ? `${num(value, digitsFor(spec))} ${unit}` : num(value, digitsFor(spec));
}
