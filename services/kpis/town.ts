// Indicators of the town's monitoring and economy: share of the water network
// monitored in real time and air stations per km² (ISO 37122:2019 §23.3 and §8.2, the
// numbers as services/kpis/kpis.ts ISO37122 says where they were read), employment
// concentration in the town-forming enterprise (ISO 37123). Pure.
import type { DeviceState } from '../contracts/index.ts';
import type { TownProfile } from './profile.ts';

/** Devices of a kind that reported at or after `since`. */
export const reporting = (devices: readonly DeviceState[], kind: string, since: number): DeviceState[] => devices.filter((d) => d.kind === kind && d.ts >= since);

/**
 * ISO 37122:2019 §23.3, percentage of the city's water distribution network
 * monitored by a smart water system. The network's length is not
 * in Qala's data, so the share is taken by households served: the households of the
 * districts with at least one pressure point that reported since `since`, over all
 * households. A proxy, said as such in its definition.
 */
export function waterNetworkMonitored(town: TownProfile, devices: readonly DeviceState[], since: number): { percent: number | null; monitoredHouseholds: number; households: number } {
  const live = new Set(reporting(devices, 'water-pressure', since).map((d) => d.district));
  const households = town.districts.reduce((n, d) => n + d.households, 0);
  const monitored = town.districts.filter((d) => live.has(d.id)).reduce((n, d) => n + d.households, 0);
  return { percent: households > 0 ? (100 * monitored) / households : null, monitoredHouseholds: monitored, households };
}

/** ISO 37122:2019 §8.2, real-time remote air quality monitoring stations per km² (stations that reported since `since`). */
export function airStationsPerKm2(town: TownProfile, devices: readonly DeviceState[], since: number): { perKm2: number | null; stations: number } {
  const stations = reporting(devices, 'air-station', since).length;
  return { perKm2: town.areaKm2 ? stations / town.areaKm2 : null, stations };
}

/** ISO 37123:2019 §5.5 (the number checked against the standard's table of contents, BSI catalogue of BS ISO 37123:2019), employment concentration: the town-forming enterprise's employees as a percentage of the town's workforce. */
export function employmentConcentration(town: TownProfile): number | null {
  if (town.plantEmployees === undefined || !town.workforce) return null;
  return (100 * town.plantEmployees) / town.workforce;
}
