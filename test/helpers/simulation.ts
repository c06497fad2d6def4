// The simulated town next to a test's platform, as `qala start` runs it (the platform
// itself does not simulate), stopped when the test or file that started it ends:
// before the platform, since it is held after it.
import type { Config } from '../../services/config.ts';
import { createLogger } from '../../services/log.ts';
import type { Platform } from '../../services/platform.ts';
import type { Fleet } from '../../simulator/fleet.ts';
import { simulationFromConfig } from '../../simulator/simulation.ts';
import { hold } from './resources.ts';

/** Starts the town of `config` (its sim* settings) publishing into `platform`'s broker. */
export async function startSimulation(platform: Platform, config: Config): Promise<Fleet> {
  const { fleet } = simulationFromConfig(config, {
    brokerUrl: config.brokerUrl ?? `mqtt://127.0.0.1:${platform.mqttPort}`,
    town: config.town,
    now: Date.now,
    log: createLogger(config.logLevel, 'json').child({ component: 'simulator' }),
    ...(config.brokerUrl ? {} : { credentials: platform.access.simulatorCredentials() }),
  });
  hold('simulated town', () => fleet.stop());
  await fleet.start();
  return fleet;
}
