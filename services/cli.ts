// The `qala` command line. Only this entry decides exit codes (bin/qala.mjs sets them).
import { parseArgs } from 'node:util';
import { createSimClock } from '../simulator/clock.ts';
import { Fleet } from '../simulator/fleet.ts';
import { inventory, loadScenario } from '../simulator/scenario.ts';
import { configTable, loadConfig } from './config.ts';
import { QalaError } from './errors.ts';
import { createLogger } from './log.ts';
import { createPlatform } from './platform.ts';

const USAGE = `qala: smart-city telemetry platform and live control room

  qala start                    all-in-one: broker, ingest, store, live dashboard, simulated town
  qala simulate [options]       the simulator only, against a broker
      --broker mqtt://host:port (default mqtt://127.0.0.1:1883)
      --scenario <name|file>    (default temirtau)
      --town <id>               topic town id (default: the scenario id)
      --seed <n> --speed <x> --scale <x> --interval-ms <ms>
      --duration <s>            stop after this many wall-clock seconds
  qala config                   print the configuration variables

Configuration comes from QALA_* environment variables; see README.md.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await start();
      case 'simulate':
        return await simulate(rest);
      case 'config':
        console.log(configTable());
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        console.error(`qala: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof QalaError) {
      console.error(`qala: ${err.code}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

async function start(): Promise<number> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const platform = createPlatform({ config, log });
  await platform.start();
  log.info(`Qala is up: dashboard http://localhost:${platform.httpPort}  MQTT mqtt://localhost:${platform.mqttPort}`);
  await untilSignal();
  log.info('shutting down');
  await platform.stop();
  return 0;
}

async function simulate(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      scenario: { type: 'string', default: 'temirtau' },
      town: { type: 'string' },
      seed: { type: 'string', default: '42' },
      speed: { type: 'string', default: '1' },
      scale: { type: 'string', default: '1' },
      'interval-ms': { type: 'string', default: '5000' },
      duration: { type: 'string' },
      start: { type: 'string' },
    },
    strict: true,
  });
  const config = loadConfig(process.env, {
    scenario: values.scenario,
    simSeed: values.seed,
    simSpeed: values.speed,
    simScale: values.scale,
    simIntervalMs: values['interval-ms'],
  });
  const log = createLogger(config.logLevel);
  const scenario = loadScenario(config.scenario);
  const startMs = values.start ? Date.parse(values.start) : Date.now();
  if (Number.isNaN(startMs)) throw new QalaError('ERR_CONFIG_INVALID', `--start "${values.start}" is not an ISO 8601 date-time`);
  const fleet = new Fleet({
    brokerUrl: values.broker,
    town: values.town ?? scenario.id,
    scenario,
    devices: inventory(scenario, { scale: config.simScale, seed: config.simSeed }),
    seed: config.simSeed,
    clock: createSimClock({ start: startMs, speed: config.simSpeed }),
    intervalMs: config.simIntervalMs,
    log,
  });
  await fleet.start();
  const report = setInterval(() => log.info(fleet.stats(), 'simulating'), 5000);
  const duration = values.duration ? Number(values.duration) * 1000 : undefined;
  await (duration ? Promise.race([untilSignal(), new Promise((r) => setTimeout(r, duration))]) : untilSignal());
  clearInterval(report);
  await fleet.stop();
  console.log(JSON.stringify({ summary: fleet.stats() }));
  return 0;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
