// The README's table of device kinds, generated from the catalog so the two cannot
// drift apart (test/unit/readme.test.ts checks that the README carries it, as it
// does for the configuration table). Pure: no I/O.
import { DEVICE_KINDS, type DeviceKind, type MetricSpec } from './catalog.ts';

const range = ([lo, hi]: MetricSpec['normal']): string => (lo === hi ? `${lo}` : `${lo}..${hi}`);

const metric = (name: string, spec: MetricSpec): string => `\`${name}\` ${spec.unit} (${range(spec.normal)})`;

/** One markdown row per kind: id, label, subsystem, owning utility, metrics with unit and normal range. */
export function kindsTable(kinds: readonly DeviceKind[] = DEVICE_KINDS): string {
  return [
    '| kind | device | subsystem | utility | metrics: unit (normal range) |',
    '|---|---|---|---|---|',
    ...kinds.map((k) => `| \`${k.id}\` | ${k.label} | ${k.subsystem} | ${k.utility} | ${Object.entries(k.metrics).map(([n, s]) => metric(n, s)).join(', ')} |`),
  ].join('\n');
}
