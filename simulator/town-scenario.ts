// A monotown's scenario generated from its row of the data table (simulator/towns.ts):
// a schematic layout (a centre and up to four quarters around it on a ring whose
// radius grows with the population, and an industrial zone at the town-forming
// plant), population per district, the device inventory as densities per 10,000
// residents, network wear and the climate. The result is plain JSON for
// `parseScenario`, so a generated town passes the same checks as a hand-laid one.
import { AGED_65_AVERAGE, WATER_WEAR_AVERAGE, type TownRow } from './towns.ts';

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
  const c = row.climate;
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
      `climate: ${c.station} station, ${c.checked ?? 'approximate'}: design outdoor temperature ${c.designOutdoorC} °C (coldest five days, 0.92), heating season ${c.heatingSeasonDays} days at or below +8 °C (SP RK 2.04-01-2017 "Building climatology"); January ${c.januaryMeanC} °C, July ${c.julyMeanC} °C means, approximate`,
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
    climate: { designOutdoorC: c.designOutdoorC, heatingSeasonDays: c.heatingSeasonDays, januaryMeanC: c.januaryMeanC, julyMeanC: c.julyMeanC },
    faults: [],
    districts,
  };
}

/** The README's table of the built-in towns, generated from the data table (test/unit/readme.test.ts checks it). */
export function townsTable(rows: readonly TownRow[]): string {
  const approx = (r: TownRow) => (r.climate.checked ? '' : ' ≈');
  return [
    '| scenario | town | region | town-forming industry | people (k, 2016) | potential | climate station | design °C | heating days | Jan / Jul °C | water wear |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| \`${r.id}\`${r.curated ? ' *' : ''} | ${r.name} | ${r.region} | ${r.industry} | ${r.populationK} | ${r.potential ?? 'not given'} | ${r.climate.station}${approx(r)} | ${r.climate.designOutdoorC} | ${r.climate.heatingSeasonDays} | ${r.climate.januaryMeanC} / ${r.climate.julyMeanC} | ${Math.round(townWear(r.potential).water * 1000) / 10}% |`,
    ),
  ].join('\n');
}
