// Town scenarios as data (JSON), validated with zod; errors name the path of the
// bad field. The device inventory is derived from each district's population
// (devices per 10,000 residents), with explicit counts where a district differs
// (air stations around the plant, cameras in the industrial zone).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEVICE_KINDS, KIND_IDS, SEGMENT, parseDuration, type DeviceKind, type Subsystem } from '../devices/index.ts';
import { QalaError } from '../services/contracts/errors.ts';
import { FAULT_KINDS } from './fault-kinds.ts';
import { deviceRandom } from './rng.ts';
import { climateSource, townCityProfile, townClimate, townScenario } from './town-scenario.ts';
import { TOWNS, townRow, type TownRow } from './towns.ts';

const latLon = z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)]);
const kindCounts = z.partialRecord(z.enum(KIND_IDS as [string, ...string[]]), z.number().nonnegative());
const fraction = z.number().min(0).max(1);
/** "90s", "45m", "2h", "1d" */
export const durationText = z
  .string()
  .regex(/^\d+(\.\d+)?(s|m|h|d)$/, 'a duration such as 90s, 45m, 2h or 1d')
  .transform((s) => parseDuration(s)!);

export const scheduledFault = z
  .object({
    /** ISO date-time, or an offset from the run's start such as "+2h" */
    at: z.union([z.iso.datetime({ offset: true }), z.string().regex(/^\+\d+(\.\d+)?(s|m|h|d)$/, 'an ISO date-time or an offset such as +2h')]),
    kind: z.enum(Object.keys(FAULT_KINDS) as [string, ...string[]]),
    /** a device id, or a district id (the fault then picks that district's first device of the kind) */
    target: z.string().min(1),
    duration: durationText,
  })
  .strict();

export const scenarioSchema = z
  .object({
    id: z.string().regex(SEGMENT, 'a lowercase slug'),
    name: z.string().min(1),
    /** the region (oblys) the town belongs to */
    region: z.string().min(1).optional(),
    population: z.number().int().positive(),
    industry: z.string().min(1),
    sources: z.array(z.string()).default([]),
    utcOffsetMinutes: z.number().int().min(-720).max(840),
    center: latLon,
    plant: latLon.describe('the town-forming plant, the main emission source'),
    /** local hours the plant's shifts change at */
    shiftChanges: z.array(z.number().min(0).max(24)).default([8, 20]),
    /** devices per 10,000 residents, per kind */
    deviceDensity: kindCounts,
    /** wear of each network, 0..1; failures grow with wear */
    networkWear: z.object({ water: fraction, heat: fraction, power: fraction, gas: fraction }).strict(),
    /** the town's climate (SP 131.13330 / SNiP RK 2.04-01); Karaganda's when absent */
    climate: z
      .object({
        designOutdoorC: z.number().min(-60).max(10).describe('mean of the coldest five days at 0.92 probability, °C'),
        januaryMeanC: z.number().min(-40).max(20),
        julyMeanC: z.number().min(0).max(40),
        heatingSeasonDays: z.number().int().min(60).max(300).optional().describe('days with a mean daily temperature at or below +8 °C (SP RK 2.04-01-2017); the annual curve is shaped to give it'),
      })
      .strict()
      .optional(),
    faults: z.array(scheduledFault).default([]),
    /** figures the city indicators need (services/kpis); each one's source as a "key: source" line of `sources` */
    cityProfile: z
      .object({
        areaKm2: z.number().positive().max(100_000).optional().describe("the town's area, km² (air stations per km², ISO 37122)"),
        householdSize: z.number().min(1).max(15).optional().describe('persons per household (default 3.5, the 2009 census mean)'),
        plantEmployees: z.number().int().nonnegative().optional().describe("the town-forming enterprise's employees (ISO 37123 §5.5)"),
        workforce: z.number().int().positive().optional().describe("the town's workforce: employed residents, or working-age residents where that is what is known (ISO 37123 §5.5)"),
        buildingTauH: z.number().positive().max(1000).optional().describe('thermal time constant of the housing stock, h (time to freeze; default 40)'),
        sources: z.array(z.string()).default([]),
      })
      .strict()
      .optional(),
    districts: z
      .array(
        z
          .object({
            id: z.string().regex(SEGMENT, 'a lowercase slug'),
            name: z.string().min(1),
            center: latLon,
            population: z.number().int().nonnegative(),
            /** explicit counts, replacing the density-derived ones for these kinds */
            devices: kindCounts.default({}),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
  .superRefine((s, ctx) => {
    const ids = s.districts.map((d) => d.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['districts', i, 'id'], message: `district id "${id}" appears twice` });
    });
    const sum = s.districts.reduce((n, d) => n + d.population, 0);
    if (Math.abs(sum - s.population) > s.population * 0.02) {
      ctx.addIssue({ code: 'custom', path: ['districts'], message: `district populations add up to ${sum}, not the town's ${s.population}` });
    }
  });

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

const scenariosDir = fileURLToPath(new URL('./scenarios/', import.meta.url));
const builtIn = (name: string) => `${scenariosDir}${name}.json`;

/** The hand-laid scenario files (their towns' rows in simulator/towns.ts are `curated`). */
const curatedScenarios = (): string[] =>
  readdirSync(scenariosDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5));

/** Every built-in town: the 27 monotowns of the data table, and any other hand-laid file. */
export const builtInScenarios = (): string[] => [...new Set([...TOWNS.map((t) => t.id), ...curatedScenarios()])].sort();

export function loadScenario(nameOrFile: string): Scenario {
  const row = SEGMENT.test(nameOrFile) && !existsSync(builtIn(nameOrFile)) ? townRow(nameOrFile) : undefined;
  if (row) return parseScenario(townScenario(row), `generated scenario "${nameOrFile}"`);
  const path = SEGMENT.test(nameOrFile) && existsSync(builtIn(nameOrFile)) ? builtIn(nameOrFile) : nameOrFile;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new QalaError(
      'ERR_SCENARIO_INVALID',
      `scenario "${nameOrFile}": not a built-in scenario (${builtInScenarios().join(', ')}) nor a readable JSON file (${(err as Error).message})`,
      { cause: err },
    );
  }
  return parseScenario(row === undefined && path === builtIn(nameOrFile) ? fromTable(json, townRow(nameOrFile)) : json, nameOrFile);
}

/**
 * A hand-laid town takes its climate and city profile from the data table
 * (simulator/towns.ts), the one source of those figures, when its file gives none.
 * Its climate keeps the plain annual curve (no season length): the built-in rules were
 * measured on it.
 */
function fromTable(json: unknown, row: TownRow | undefined): unknown {
  if (row === undefined || typeof json !== 'object' || json === null || Array.isArray(json)) return json;
  const s = json as Record<string, unknown>;
  const sources = Array.isArray(s['sources']) ? (s['sources'] as unknown[]) : [];
  return {
    ...s,
    ...(s['climate'] === undefined ? { climate: townClimate(row, false), sources: [...sources, climateSource(row)] } : {}),
    ...(s['cityProfile'] === undefined ? { cityProfile: townCityProfile(row) } : {}),
  };
}

export function parseScenario(json: unknown, source = 'scenario'): Scenario {
  const r = scenarioSchema.safeParse(json);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new QalaError('ERR_SCENARIO_INVALID', `${source} is invalid:\n  ${lines.join('\n  ')}`);
  }
  return r.data;
}

const ABBREV: Record<string, string> = {
  'water-pressure': 'wp',
  'heat-substation': 'hs',
  'power-feeder': 'pf',
  'sewage-level': 'sw',
  'gas-pressure': 'gp',
  'traffic-counter': 'tc',
  'emergency-camera': 'cam',
  'clinic-queue': 'cq',
  'air-station': 'aq',
  'school-classroom': 'sch',
  'kindergarten-room': 'kg',
  'residential-lift': 'lift',
  'care-alarm': 'alarm',
};

/**
 * Subsystems added with the 27 towns: their devices are laid out after every other
 * device of a town, so a town's earlier devices keep their order (and with it the
 * field's random plan, simulator/field.ts).
 */
const LATER_SUBSYSTEMS: ReadonlySet<string> = new Set(['education', 'social']);

/** How many devices of a kind a district has, before scaling. */
export function districtCount(s: Scenario, d: Scenario['districts'][number], kindId: string): number {
  const explicit = d.devices[kindId];
  if (explicit !== undefined) return explicit;
  return ((s.deviceDensity[kindId] ?? 0) * d.population) / 10_000;
}

/** The device inventory of a scenario; `scale` multiplies every count. Deterministic for a seed. */
export function inventory(s: Scenario, opts: { scale: number; seed: number }): SimDevice[] {
  const out: SimDevice[] = [];
  const maxDist = Math.max(...s.districts.map((d) => distanceKm(d.center, s.plant)), 1);
  const passes = [DEVICE_KINDS.filter((k) => !LATER_SUBSYSTEMS.has(k.subsystem)), DEVICE_KINDS.filter((k) => LATER_SUBSYSTEMS.has(k.subsystem))];
  for (const [pass, d] of passes.flatMap((kinds) => s.districts.map((d) => [kinds, d] as const))) {
    // a district spreads over ~1 km per 20k residents, at least 600 m
    const spreadKm = Math.max(0.6, Math.sqrt(d.population / 20_000));
    for (const kind of pass) {
      const n = Math.round(districtCount(s, d, kind.id) * opts.scale);
      for (let i = 1; i <= n; i++) {
        const deviceId = `${ABBREV[kind.id] ?? kind.id}-${d.id}-${String(i).padStart(3, '0')}`;
        const rng = deviceRandom(opts.seed, deviceId);
        const position: [number, number] = [
          d.center[0] + ((rng.next() - 0.5) * spreadKm) / 111.2,
          d.center[1] + ((rng.next() - 0.5) * spreadKm) / (111.2 * Math.cos((d.center[0] * Math.PI) / 180)),
        ];
        out.push({
          deviceId,
          kind,
          subsystem: kind.subsystem,
          district: d.id,
          position,
          plantExposure: Math.max(0, 1 - distanceKm(position, s.plant) / (maxDist * 1.5)),
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
