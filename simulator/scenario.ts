// Town scenarios as data (JSON), validated with zod; errors name the path of the
// bad field. The fleet's device inventory is derived from the scenario.
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { KIND_IDS, SEGMENT, type DeviceKind, DEVICE_KINDS, type Subsystem } from '../devices/index.ts';
import { QalaError } from '../services/errors.ts';
import { deviceRandom } from './rng.ts';

const latLon = z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)]);

export const scenarioSchema = z
  .object({
    id: z.string().regex(SEGMENT, 'a lowercase slug'),
    name: z.string().min(1),
    population: z.number().int().positive(),
    industry: z.string().min(1),
    utcOffsetMinutes: z.number().int().min(-720).max(840),
    center: latLon,
    plant: latLon.describe('the town-forming plant, the main emission source'),
    /** ISO week-hours the plant shifts change at, local time */
    shiftChanges: z.array(z.number().min(0).max(24)).default([8, 20]),
    districts: z
      .array(
        z
          .object({
            id: z.string().regex(SEGMENT, 'a lowercase slug'),
            name: z.string().min(1),
            center: latLon,
            population: z.number().int().nonnegative(),
            devices: z.partialRecord(z.enum(KIND_IDS as [string, ...string[]]), z.number().int().nonnegative()),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;

export interface SimDevice {
  deviceId: string;
  kind: DeviceKind;
  subsystem: Subsystem;
  district: string;
  position: [number, number];
  /** 0..1: how near the plant, for air quality */
  plantExposure: number;
}

const builtIn = (name: string) => fileURLToPath(new URL(`./scenarios/${name}.json`, import.meta.url));

export function loadScenario(nameOrFile: string): Scenario {
  const path = existsSync(builtIn(nameOrFile)) ? builtIn(nameOrFile) : nameOrFile;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new QalaError('ERR_SCENARIO_INVALID', `scenario "${nameOrFile}": not a built-in name and not a readable JSON file (${(err as Error).message})`, { cause: err });
  }
  return parseScenario(json, nameOrFile);
}

export function parseScenario(json: unknown, source = 'scenario'): Scenario {
  const r = scenarioSchema.safeParse(json);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new QalaError('ERR_SCENARIO_INVALID', `${source} is invalid:\n  ${lines.join('\n  ')}`);
  }
  const ids = r.data.districts.map((d) => d.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new QalaError('ERR_SCENARIO_INVALID', `${source} is invalid:\n  districts: district id "${dup}" appears twice`);
  return r.data;
}

const ABBREV: Record<string, string> = {
  'water-pressure': 'wp',
  'heat-substation': 'hs',
  'power-feeder': 'pf',
  'traffic-counter': 'tc',
  'emergency-camera': 'cam',
  'clinic-queue': 'cq',
  'air-station': 'aq',
};

/** The device inventory of a scenario; `scale` multiplies every count. Deterministic for a seed. */
export function inventory(s: Scenario, opts: { scale: number; seed: number }): SimDevice[] {
  const kinds = new Map(DEVICE_KINDS.map((k) => [k.id, k]));
  const out: SimDevice[] = [];
  const maxDist = Math.max(...s.districts.map((d) => distanceKm(d.center, s.plant)), 1);
  for (const d of s.districts) {
    for (const [kindId, count] of Object.entries(d.devices)) {
      const kind = kinds.get(kindId)!;
      const n = Math.round((count ?? 0) * opts.scale);
      for (let i = 1; i <= n; i++) {
        const deviceId = `${ABBREV[kindId] ?? kindId}-${d.id}-${String(i).padStart(3, '0')}`;
        const rng = deviceRandom(opts.seed, deviceId);
        // scatter within ~1 km of the district centre
        const position: [number, number] = [d.center[0] + (rng.next() - 0.5) * 0.018, d.center[1] + (rng.next() - 0.5) * 0.028];
        out.push({
          deviceId,
          kind,
          subsystem: kind.subsystem,
          district: d.id,
          position,
          plantExposure: 1 - distanceKm(position, s.plant) / (maxDist * 1.5),
        });
      }
    }
  }
  return out;
}

export function distanceKm(a: readonly [number, number], b: readonly [number, number]): number {
  const dLat = (a[0] - b[0]) * 111.2;
  const dLon = (a[1] - b[1]) * 111.2 * Math.cos((a[0] * Math.PI) / 180);
  return Math.hypot(dLat, dLon);
}
