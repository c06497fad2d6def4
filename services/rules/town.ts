// Where the rules get the town they serve: its heating chart's design outdoor
// temperature and its local time. One function, used by the platform and by
// `qala rules test`, so a simulated run and a live deployment judge a substation by
// the same chart.
//
// The design outdoor temperature (the mean of the coldest five days at 0.92
// probability, SP RK 2.04-01-2017 "Building climatology" / SP 131.13330) decides
// the whole quality-regulation chart (devices/heating-schedule.ts): at −10 °C
// outdoors a Caspian town designed for −17 °C owes about 111 °C, a Karaganda town
// designed for −32 °C about 88 °C. So it comes, in this order, from
//   1. QALA_DESIGN_OUTDOOR_C, when the deployment sets it (a town whose scenario
//      file has no climate, or a district network designed to another figure);
//   2. the climate of the scenario the platform is started with (QALA_SCENARIO:
//      one of the 27 monotowns, or the deployment's own scenario file), with or
//      without the simulator;
//   3. with the simulator running a scenario without a climate, Karaganda's −32 °C,
//      which is the climate that simulator then runs (simulator/environment.ts).
// A deployment without the simulator that gives neither is refused at start-up:
// guessing Karaganda's chart for a Caspian town would miss its underheating.
import type { Scenario } from '../../simulator/scenario.ts';
import { QalaError } from '../contracts/errors.ts';
import { DEFAULT_TOWN, type TownContext } from './conditions.ts';

export interface TownSource {
  /** QALA_DESIGN_OUTDOOR_C, when set */
  designOutdoorC?: number | undefined;
  /** whether the built-in simulator runs the scenario (then its climate is the scenario's or Karaganda's) */
  simulated: boolean;
}

export function townContext(scenario: Pick<Scenario, 'id' | 'utcOffsetMinutes' | 'climate'>, source: TownSource): TownContext {
  const design = source.designOutdoorC ?? scenario.climate?.designOutdoorC;
  if (design === undefined && !source.simulated) {
    throw new QalaError(
      'ERR_CONFIG_INVALID',
      `invalid configuration:\n  QALA_DESIGN_OUTDOOR_C: required when QALA_SIMULATE=false and the scenario "${scenario.id}" (QALA_SCENARIO) has no climate: the town's design outdoor temperature for heating, °C (the mean of the coldest five days at 0.92, SP RK 2.04-01-2017), such as -17 for Zhanaozen or -32 for Karaganda; the heating rules hold substations to the chart it decides`,
    );
  }
  return { utcOffsetMinutes: scenario.utcOffsetMinutes, designOutdoorC: design ?? DEFAULT_TOWN.designOutdoorC };
}
