// A monotown's scenario generated from its row of the data table (simulator/towns.ts):
// a schematic layout (a centre and up to four quarters around it on a ring whose
// radius grows with the population, and an industrial zone at the town-forming
// plant), population per district, the device inventory as densities per 10,000
// residents, network wear and the climate. The result is plain JSON for
// `parseScenario`, so a generated town passes the same checks as a hand-laid one.
import { AGED_65_AVERAGE, ASSUMED_CLIMATE_WHY, TOWNS, WATER_WEAR_AVERAGE, climateStatus, type ClimateFigure, type TownRow } from './towns.ts';

/** Devices per 10,000 residents, as in the hand-laid scenarios. */
export const BASE_DENSITY: Readonly<Record<string, number>> = Object.freeze({
  'water-pressure': 4,
  'heat-substation': 3,
  'power-feeder': 2.5,
  'sewage-level': 2,
  'gas-pressure': 1.5,
  'traffic-counter': 2,
  'emergency-camera': 3,
  'clinic-queue': 0.6,
  // approximate: Kazakhstan has ~7,500 schools and ~10,000 preschool organisations for
  // 20 million people (Ministry of Education), fewer and larger in towns
  'school-classroom': 1.5,
  'kindergarten-room': 2,
  // assumed: monitored lifts, ~4 per 10,000 residents (the nine-storey blocks' lifts on the pilot)
  'residential-lift': 4,
});

const QUARTERS = [
  { id: 'centre', name: 'Centre', bearing: 0, weight: 1.5 },
  { id: 'north', name: 'North', bearing: 0, weight: 1 },
  { id: 'east', name: 'East', bearing: 90, weight: 1 },
  { id: 'south', name: 'South', bearing: 180, weight: 1 },
  { id: 'west', name: 'West', bearing: 270, weight: 1 },
] as const;

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** The point `km` away from `from` on a bearing (degrees clockwise from north); flat-earth, fine at town scale. */
export function offsetKm(from: readonly [number, number], bearingDeg: number, km: number): [number, number] {
  const b = (bearingDeg * Math.PI) / 180;
  const dLat = (km * Math.cos(b)) / 111.2;
  const dLon = (km * Math.sin(b)) / (111.2 * Math.cos((from[0] * Math.PI) / 180));
  return [round4(from[0] + dLat), round4(from[1] + dLon)];
}

/**
 * Working-age share of Kazakhstan's population at the 2021 census, 59.05 % (Kazinform,
 * 8 December 2021). ASSUMED to be each town's: workforce = population × this share.
 * The towns' own shares and their employed residents were not found.
 */
export const WORKING_AGE_SHARE = 0.5905;
const WORKING_AGE_SOURCE = "the working-age share of Kazakhstan's population in the 2021 census, 59.05 % (Kazinform, 8 December 2021); the town's own share and its employed residents are not known here";

/**
 * Persons per household: 19,186,015 residents at the 2021 census (Bureau of National
 * Statistics, via Tengrinews, 30 October 2023) over its 5.6 million households
 * (Bureau of National Statistics, via Liter.kz, 2023), 3.43. National: the census
 * tables by region were not found, so every town takes it (an assumption).
 */
export const HOUSEHOLD_SIZE_2021 = Math.round((19_186_015 / 5_600_000) * 100) / 100;
const HOUSEHOLD_SOURCE = `${HOUSEHOLD_SIZE_2021}, Kazakhstan's 19,186,015 residents at the 2021 census (Bureau of National Statistics, via Tengrinews, 30 October 2023) over its 5.6 million households (Bureau of National Statistics, via Liter.kz, 2023); the national mean, ASSUMED for the town (the census tables by region were not found)`;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const workforceOf = (row: TownRow) => Math.round(row.populationK * 1000 * WORKING_AGE_SHARE);

/**
 * Residents per km² ASSUMED for a town whose area was not found: the median density of
 * the towns whose area was read (population of the table over that area).
 */
export const ASSUMED_DENSITY = median(TOWNS.filter((t) => t.profile?.areaKm2).map((t) => (t.populationK * 1000) / t.profile!.areaKm2!.value));
/**
 * Share of the workforce ASSUMED to work at the town-forming enterprise where its
 * headcount was not found: the median share of the towns whose headcount was read.
 * Several of those headcounts are one mine or one smelter (lower bounds), so this leans low.
 */
export const ASSUMED_PLANT_SHARE = median(TOWNS.filter((t) => t.profile?.plantEmployees).map((t) => t.profile!.plantEmployees!.value / workforceOf(t)));

export interface TownFigures {
  areaKm2: number;
  plantEmployees: number;
  workforce: number;
  householdSize: number;
  /** which figures were read from a source (the rest are assumed) */
  sourced: { areaKm2: boolean; plantEmployees: boolean };
}

/** The city indicators' figures of a town: read where the table cites a source, derived by the assumptions above otherwise. */
export function townFigures(row: TownRow): TownFigures {
  const population = Math.round(row.populationK * 1000);
  const workforce = workforceOf(row);
  const area = row.profile?.areaKm2?.value ?? Math.round((population / ASSUMED_DENSITY) * 10) / 10;
  const plant = row.profile?.plantEmployees?.value ?? Math.round(workforce * ASSUMED_PLANT_SHARE);
  return { areaKm2: area, plantEmployees: plant, workforce, householdSize: HOUSEHOLD_SIZE_2021, sourced: { areaKm2: !!row.profile?.areaKm2, plantEmployees: !!row.profile?.plantEmployees } };
}

/** A scenario's `cityProfile` (services/kpis/profile.ts reads its "key: source" lines). */
export function townCityProfile(row: TownRow): Record<string, unknown> {
  const f = townFigures(row);
  const population = Math.round(row.populationK * 1000);
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  return {
    areaKm2: f.areaKm2,
    householdSize: f.householdSize,
    plantEmployees: f.plantEmployees,
    workforce: f.workforce,
    sources: [
      `areaKm2: ${row.profile?.areaKm2?.source ?? `${f.areaKm2} km², ASSUMED: the population ${population.toLocaleString('en-US')} over ${Math.round(ASSUMED_DENSITY)} residents per km², the median density of the towns whose area was read (the town's own area was not found)`}`,
      `plantEmployees: ${row.profile?.plantEmployees?.source ?? `${f.plantEmployees}, ASSUMED: ${pct(ASSUMED_PLANT_SHARE)} of the workforce, the median share of the towns whose enterprise's headcount was read (${row.plant.name}: its own headcount was not found)`}`,
      `workforce: ${f.workforce.toLocaleString('en-US')} working-age residents = ${population.toLocaleString('en-US')} × ${pct(WORKING_AGE_SHARE)}, ${WORKING_AGE_SOURCE}`,
      `householdSize: ${HOUSEHOLD_SOURCE}`,
      `population: ${row.populationK} thousand on 1 January 2016, the Government list of monotowns (2014) as tabled by Bespayeva et al. (Bureau of National Statistics figures)`,
    ],
  };
}

const FIGURE_NAMES: Record<ClimateFigure, string> = { design: 'design temperature', season: 'heating-season length', seasonMean: 'heating-season mean', months: 'January and July means' };

/** The climate source line of a scenario: each figure sourced (and where it was read) or assumed (and why). */
export function climateSource(row: TownRow): string {
  const c = row.climate;
  const status = climateStatus(c);
  const sourced = (Object.keys(status) as ClimateFigure[]).filter((k) => status[k] === 'sourced');
  const assumed = (Object.keys(status) as ClimateFigure[]).filter((k) => status[k] === 'assumed');
  return [
    `climate: ${c.station} station: design outdoor temperature ${c.designOutdoorC} °C (coldest five days, 0.92), heating season ${c.heatingSeasonDays} days at or below +8 °C${c.heatingSeasonMeanC !== undefined ? ` averaging ${c.heatingSeasonMeanC} °C` : ''} (the figures of SP RK 2.04-01-2017 "Building climatology", which replaced SNiP RK 2.04-01-2001), January ${c.januaryMeanC} °C and July ${c.julyMeanC} °C means`,
    ...sourced.map((k) => `${FIGURE_NAMES[k]}: sourced, read from ${c.read![k]}`),
    assumed.length ? `${assumed.map((k) => FIGURE_NAMES[k]).join(', ')}: ${c.assumedWhy ?? ASSUMED_CLIMATE_WHY}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** The scenario's `climate`: the table's figures (the simulator shapes the annual curve to the season's length when `withSeason`). */
export function townClimate(row: TownRow, withSeason = true): Record<string, number> {
  const c = row.climate;
  return { designOutdoorC: c.designOutdoorC, januaryMeanC: c.januaryMeanC, julyMeanC: c.julyMeanC, ...(withSeason ? { heatingSeasonDays: c.heatingSeasonDays } : {}) };
}

/** Network wear of a town (see the assumption in simulator/towns.ts). */
export function townWear(potential: TownRow['potential']): { water: number; heat: number; power: number; gas: number } {
  const water = WATER_WEAR_AVERAGE + (potential === 'low' ? 0.08 : potential === 'high' ? -0.05 : 0);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { water: r(water), heat: r(water + 0.01), power: r(water - 0.08), gas: 0.35 };
}

export function townScenario(row: TownRow): Record<string, unknown> {
  const population = Math.round(row.populationK * 1000);
  const plant = offsetKm(row.center, row.plant.bearingDeg, row.plant.km);
  const industrial = Math.max(300, Math.round(population * 0.03));
  const residential = population - industrial;
  const n = population < 15_000 ? 2 : population < 40_000 ? 3 : population < 80_000 ? 4 : 5;
  const quarters = QUARTERS.slice(0, n);
  const weights = quarters.reduce((s, q) => s + q.weight, 0);
  // a quarter's centre sits ~1 km out in a town of 10,000, ~2.6 km in one of 100,000
  const ringKm = 0.6 + 2 * Math.sqrt(population / 100_000);
  let left = residential;
  const districts: Record<string, unknown>[] = quarters.map((q, i) => {
    const pop = i === quarters.length - 1 ? left : Math.round((residential * q.weight) / weights);
    left -= pop;
    return {
      id: q.id,
      name: q.name,
      center: q.id === 'centre' ? [row.center[0], row.center[1]] : offsetKm(row.center, q.bearing, ringKm),
      population: pop,
      // at least one clinic in the smallest town's centre
      devices: q.id === 'centre' ? { 'air-station': 1, 'clinic-queue': Math.max(1, Math.round((BASE_DENSITY['clinic-queue']! * pop) / 10_000)) } : { 'air-station': 1 },
    };
  });
  districts.push({
    id: 'industrial-zone',
    name: `Industrial zone (${row.plant.name})`,
    center: plant,
    population: industrial,
    devices: {
      'air-station': 2,
      'emergency-camera': Math.max(2, Math.round(population / 15_000)),
      'power-feeder': Math.max(2, Math.round(population / 22_000)),
      'traffic-counter': Math.max(1, Math.round(population / 30_000)),
      'clinic-queue': 0,
    },
  });
  const aged = row.aged65Share ?? AGED_65_AVERAGE;
  // care alarms: assumed one pendant per 200 residents aged 65+ (those living alone and enrolled
  // with the social service); the brief's share of 65+ sizes the care load
  const alarms = Math.round(((10_000 * aged) / 200) * 10) / 10;
  return {
    id: row.id,
    name: row.name,
    region: row.region,
    population,
    industry: row.industry,
    sources: [
      `population ${row.populationK}k on 1 January 2016, town-forming industry and development potential (${row.potential ?? 'not given'}): Government list of monotowns (2014) as tabled by Bespayeva et al. (Bureau of National Statistics figures)`,
      climateSource(row),
      `network wear: ASSUMED from the 61.1% national average wear of water and sewage networks in monotowns (policy brief, 2022), +8 points for low potential, -5 for high; heat, power and gas derived`,
      `residents aged 65+: ${(aged * 100).toFixed(1)}%${row.aged65Share === undefined ? ' (the monotowns\' average, policy brief 2022; the town\'s own figure not given)' : ' (policy brief, 2022)'}`,
      `layout: generated and schematic (a centre, quarters on a ${ringKm.toFixed(1)} km ring, the industrial zone at the ${row.plant.name} ${row.plant.km} km from the centre on a bearing of ${row.plant.bearingDeg}°), for a map, not a survey`,
    ],
    utcOffsetMinutes: 300, // all of Kazakhstan on UTC+5 since 1 March 2024
    center: [row.center[0], row.center[1]],
    plant,
    shiftChanges: [...(row.shiftChanges ?? [8, 20])],
    deviceDensity: { ...BASE_DENSITY, 'care-alarm': alarms },
    networkWear: townWear(row.potential),
    climate: townClimate(row),
    cityProfile: townCityProfile(row),
    faults: [],
    districts,
  };
}

/**
 * The README's table of the built-in towns, generated from the data table
 * (test/unit/readme.test.ts checks it). A figure that is assumed, climate or profile,
 * is marked †; an unmarked one was read from the source the town's row names.
 */
export function townsTable(rows: readonly TownRow[]): string {
  const fig = (r: TownRow, k: ClimateFigure, v: string) => (climateStatus(r.climate)[k] === 'sourced' ? v : `${v} †`);
  const num = (x: number) => x.toLocaleString('en-US');
  return [
    '| scenario | town | region | town-forming industry | people (k, 2016) | potential | climate station | design °C | heating days (mean °C) | Jan / Jul °C | water wear | area km² | enterprise staff | workforce † |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const c = r.climate;
      const f = townFigures(r);
      const season = `${fig(r, 'season', String(c.heatingSeasonDays))}${c.heatingSeasonMeanC !== undefined ? ` (${fig(r, 'seasonMean', String(c.heatingSeasonMeanC))})` : ''}`;
      return `| \`${r.id}\`${r.curated ? ' *' : ''} | ${r.name} | ${r.region} | ${r.industry} | ${r.populationK} | ${r.potential ?? 'not given'} | ${c.station} | ${fig(r, 'design', String(c.designOutdoorC))} | ${season} | ${fig(r, 'months', `${c.januaryMeanC} / ${c.julyMeanC}`)} | ${Math.round(townWear(r.potential).water * 1000) / 10}% | ${num(f.areaKm2)}${f.sourced.areaKm2 ? '' : ' †'} | ${num(f.plantEmployees)}${f.sourced.plantEmployees ? '' : ' †'} | ${num(f.workforce)} |`;
    }),
  ].join('\n');
}
