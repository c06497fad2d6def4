// What a device model is given at each reading (simulator/models.ts, models-city.ts).
import type { TownConditions } from './environment.ts';
import type { Random } from './rng.ts';
import type { Scenario, SimDevice } from './scenario.ts';

export interface ModelState {
  /** per-device memory (queue length, wind, ...) */
  [key: string]: number;
}

export interface ModelInput {
  device: SimDevice;
  scenario: Scenario;
  simMs: number;
  dtMs: number;
  town: TownConditions;
  rng: Random;
  state: ModelState;
}
