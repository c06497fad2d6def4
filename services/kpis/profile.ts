// The town as the indicators need it: districts with their households, the area,
// the town-forming enterprise's workforce. Built from the scenario's data (the
// composition root loads it); figures a scenario lacks stay absent and the
// indicators that need them say so instead of guessing.
import type { Scenario } from '../../simulator/scenario.ts';
import type { Assumption } from '../contracts/index.ts';

/**
 * Persons per household when a scenario gives none: 3.5, the mean household size
 * of Kazakhstan's 2009 national census (Agency on Statistics of the Republic of
 * Kazakhstan, "Results of the 2009 National Population Census", analytical report,
 * Astana 2011), as commonly quoted; not re-checked against the 2021 census tables.
 * A scenario's `cityProfile.householdSize` replaces it.
 */
export const DEFAULT_HOUSEHOLD_SIZE = 3.5;
export const DEFAULT_HOUSEHOLD_SIZE_SOURCE = "Kazakhstan 2009 national census mean household size (Agency on Statistics, analytical report 2011), as commonly quoted; an assumption, not re-checked against the 2021 census";

/**
 * The thermal time constant of the housing stock, hours: 40 h, ASSUMED. It is the value
 * recalled for the building heat-accumulation coefficient β of residential buildings in
 * the cooling-time formula z = β·ln((t_in − t_out)/(t_in,a − t_out)) of SNiP 41-02-2003
 * "Heat networks" (the design check of how long heated buildings may go without heat);
 * neither that clause nor the one of SP 124.13330.2012 (its updated edition) could be
 * read, and no published measurement of how Soviet-era large-panel or brick blocks
 * cool after a heat loss was read (full-scale heating-outage tests exist, e.g.
 * "Winter Thermal Resilience of Lightweight and Ground-Coupled Mediumweight Buildings:
 * An Experimental Study During Heating Outages", Energies 2025, 18(15), 4022, but only
 * its abstract was reached), so no range is given. `cityProfile.buildingTauH` replaces it
 * per town.
 */
export const DEFAULT_BUILDING_TAU_H = 40;
export const DEFAULT_BUILDING_TAU_SOURCE =
  'ASSUMED: 40 h, the value recalled for the heat-accumulation coefficient β of residential buildings in the cooling-time formula z = β·ln((t_in − t_out)/(t_in,a − t_out)) of SNiP 41-02-2003 "Heat networks"; neither its clause nor SP 124.13330.2012\'s could be read, and no published measured time constant of panel or brick blocks was found';

export interface DistrictProfile {
  id: string;
  name: string;
  population: number;
  /** population / household size (not rounded: the indicators divide by it) */
  households: number;
}

export interface TownProfile {
  town: string;
  name: string;
  population: number;
  districts: readonly DistrictProfile[];
  householdSize: number;
  areaKm2?: number;
  plantEmployees?: number;
  workforce?: number;
  buildingTauH: number;
  /** every figure not measured by the platform, with its source */
  assumptions: Assumption[];
}

type ScenarioData = Pick<Scenario, 'id' | 'name' | 'population' | 'districts'> & { cityProfile?: Scenario['cityProfile'] };

export function profileFromScenario(s: ScenarioData): TownProfile {
  const p = s.cityProfile;
  const householdSize = p?.householdSize ?? DEFAULT_HOUSEHOLD_SIZE;
  const cited = (name: string) => p?.sources.find((x) => x.toLowerCase().startsWith(`${name.toLowerCase()}:`)) ?? `scenario ${s.id}`;
  const assumptions: Assumption[] = [
    { name: 'householdSize', value: householdSize, source: p?.householdSize !== undefined ? cited('householdSize') : DEFAULT_HOUSEHOLD_SIZE_SOURCE },
    { name: 'buildingTauH', value: p?.buildingTauH ?? DEFAULT_BUILDING_TAU_H, source: p?.buildingTauH !== undefined ? cited('buildingTauH') : DEFAULT_BUILDING_TAU_SOURCE },
    { name: 'population', value: s.population, source: cited('population') },
  ];
  if (p?.areaKm2 !== undefined) assumptions.push({ name: 'areaKm2', value: p.areaKm2, source: cited('areaKm2') });
  if (p?.plantEmployees !== undefined) assumptions.push({ name: 'plantEmployees', value: p.plantEmployees, source: cited('plantEmployees') });
  if (p?.workforce !== undefined) assumptions.push({ name: 'workforce', value: p.workforce, source: cited('workforce') });
  return {
    town: s.id,
    name: s.name,
    population: s.population,
    districts: s.districts.map((d) => ({ id: d.id, name: d.name, population: d.population, households: d.population / householdSize })),
    householdSize,
    ...(p?.areaKm2 !== undefined ? { areaKm2: p.areaKm2 } : {}),
    ...(p?.plantEmployees !== undefined ? { plantEmployees: p.plantEmployees } : {}),
    ...(p?.workforce !== undefined ? { workforce: p.workforce } : {}),
    buildingTauH: p?.buildingTauH ?? DEFAULT_BUILDING_TAU_H,
    assumptions,
  };
}
