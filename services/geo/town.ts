// What the control room needs to know of its town: its name, clock (UTC offset),
// centre, plant and districts, from the scenario that describes it. The platform's
// town is a slug; its description is the configured scenario when that scenario is
// this town, else the built-in scenario of the same id, else a bare town on
// Kazakhstan's clock.
import type { TownInfo } from '../contracts/town.ts';
import { builtInScenarios, loadScenario, type Scenario } from '../../simulator/scenario.ts';

/**
 * Kazakhstan keeps one zone, UTC+5, since 2024-03-01 (IANA tz database 2024a:
 * Asia/Almaty and Asia/Qostanay moved from +06 to +05).
 */
export const KAZAKHSTAN_UTC_OFFSET_MINUTES = 300;

export function townFromScenario(s: Scenario): TownInfo {
  return {
    id: s.id,
    name: s.name,
    utcOffsetMinutes: s.utcOffsetMinutes,
    center: s.center,
    plant: s.plant,
    districts: s.districts.map((d) => ({ id: d.id, name: d.name, center: d.center, population: d.population })),
  };
}

/** The town's description (see the file's head); never throws for a town without one. */
export function describeTown(town: string, scenario: string | undefined): TownInfo {
  const candidates = [scenario, builtInScenarios().includes(town) ? town : undefined].filter((x): x is string => Boolean(x));
  for (const name of candidates) {
    try {
      const s = loadScenario(name);
      if (s.id === town) return townFromScenario(s);
    } catch {
      // an unreadable scenario file was already refused at start-up by the simulator; the next candidate decides
      continue;
    }
  }
  return { id: town, name: town.charAt(0).toUpperCase() + town.slice(1), utcOffsetMinutes: KAZAKHSTAN_UTC_OFFSET_MINUTES, districts: [] };
}
