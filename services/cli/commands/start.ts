// `qala start`: the platform, and next to it (not inside it) the simulated town
// when QALA_SIMULATE is on.
import { z } from 'zod';
import type { Fleet } from '../../../simulator/fleet.ts';
import { CLOCK_SKEW_OFF, loadConfig, type Config } from '../../config.ts';
import type { Platform } from '../../platform.ts';
import type { Command } from '../options.ts';
import { untilSignal } from '../signals.ts';
import { explainStartupError } from '../startup-errors.ts';

export const startCommand: Command = {
  name: 'start',
  summary: 'all-in-one: embedded broker, ingest, store, live dashboard, and the simulated town (QALA_SIMULATE)',
  details: 'Settings come from QALA_* environment variables and QALA_CONFIG_FILE; `qala config` lists them.\nCtrl-C (SIGINT) or SIGTERM stops the simulator, then the platform.',
  options: z.object({}).strict(),
  async run() {
    let config = loadConfig();
    // a simulated town running faster than real time, or from another start, dates its
    // readings away from the wall clock: the platform must not take them for skewed clocks
    const simulatedTime = config.simulate && !config.brokerUrl && (config.simSpeed !== 1 || config.simStart !== undefined);
    if (simulatedTime) config = loadConfig(process.env, { maxClockSkewFutureMs: CLOCK_SKEW_OFF, maxClockSkewPastMs: CLOCK_SKEW_OFF });
    // loaded here, not at the top: --help and usage mistakes answer without the platform's second of start-up
    const [{ createLogger }, { createPlatform }, { simulationFromConfig }] = await Promise.all([
      import('../../log.ts'),
      import('../../platform.ts'),
      import('../../../simulator/simulation.ts'),
    ]);
    const log = createLogger(config.logLevel, config.logFormat);
    if (simulatedTime) log.warn({ simSpeed: config.simSpeed, simStart: config.simStart }, "the simulated town runs on its own time: the device clock-skew check (QALA_MAX_CLOCK_SKEW_*) is off");
    // the first admin's one-time password goes to the terminal, once, not to the log files
    const platform = createPlatform({ config, log, announce: (line) => console.error(line) });
    try {
      await platform.start();
    } catch (err) {
      throw explainStartupError(err, config);
    }
    let fleet: Fleet | undefined;
    if (config.simulate) {
      try {
        fleet = simulationFromConfig(config, {
          brokerUrl: config.brokerUrl ?? `mqtt://127.0.0.1:${platform.mqttPort}`,
          town: config.town,
          now: Date.now,
          log: log.child({ component: 'simulator' }),
          // the embedded broker lets in only known clients: the simulator is provisioned by the platform
          ...(config.brokerUrl ? {} : { credentials: platform.access.simulatorCredentials() }),
        }).fleet;
        await fleet.start();
      } catch (err) {
        await fleet?.stop();
        await platform.stop();
        throw err;
      }
      const running = fleet;
      platform.reportHealth('simulator', () => running.stats());
    }
    log.info(upLine(config, platform));
    await untilSignal();
    log.info('shutting down');
    // the simulator first: it publishes into the platform, which must outlive it
    await fleet?.stop();
    await platform.stop();
    return 0;
  },
};

/** Where a user reaches what started: https and mqtts under TLS (QALA_TLS_CERT), no mqtt:// when QALA_PLAIN_LISTENERS=false. */
function upLine(config: Config, platform: Platform): string {
  const tls = Boolean(config.tlsCert);
  const tlsPort = (platform.health().broker as { mqttTlsPort?: number } | undefined)?.mqttTlsPort ?? config.mqttTlsPort;
  const mqtt = config.brokerUrl
    ? [config.brokerUrl]
    : [...(tls && !config.plainListeners ? [] : [`mqtt://localhost:${platform.mqttPort}`]), ...(tls ? [`mqtts://localhost:${tlsPort}`] : [])];
  return `Qala is up: dashboard ${tls ? 'https' : 'http'}://localhost:${platform.httpPort}  MQTT ${mqtt.join(' ')}`;
}
