// The `qala` command line. Only this entry decides exit codes (bin/qala.mjs sets them).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../devices/index.ts';
import { simulationFromConfig } from '../../simulator/simulation.ts';
import { configTable, loadConfig } from '../config.ts';
import { QalaError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { createPlatform } from '../platform.ts';
import { BUILTIN_RULES } from '../rules/loader.ts';
import { formatScores } from '../rules/score.ts';
import { formatFeedLine } from '../../simulator/feed-file.ts';
import { Progress } from './progress.ts';
import { record, replay } from './record-replay.ts';
import { runRulesTest } from './rules-test.ts';

const USAGE = `qala: smart-city telemetry platform and live control room

  qala start                    all-in-one: broker, ingest, store, live dashboard, simulated town
  qala simulate [options]       the simulator only, against a broker
      --broker mqtt://host:port  (default mqtt://127.0.0.1:1883)
      --scenario <name|file>     temirtau, ekibastuz, rudny, kurchatov or a JSON file
      --seed <n>                 same seed, start and duration: the same messages
      --speed <1..3600>          simulated seconds per real second
      --start <ISO date-time>    simulated start (default: now)
      --duration <90s|30m|2h|1d> simulated duration (default: until Ctrl-C)
      --scale <x>                multiplies device counts
      --interval <10s>           simulated time between two readings of a device
      --fault-rate <x>           multiplies the wear-calibrated fault rates
      --connections <per-device|n|auto>
      --town <id>                topic town id (default: the scenario id)
      --out <file.ndjson>        record the feed to a file at full speed instead
  qala rules test [options]     run a simulated town at full speed against a rule file and score
                                every rule against the injected faults: precision, recall, time to detect
      --rules <file>             (default: the built-in rule pack)
      --scenario --seed --start --scale --interval as for simulate
      --duration <1d>            simulated duration (default 1d)
      --fault-rate <x>           (default 50: enough faults in a day to judge by)
      --feed <file.ndjson>       test against a recorded feed instead (ground truth from its sim/faults lines)
      --json                     print the result as JSON
  qala record --out <file.ndjson> [--broker url] [--town temirtau] [--duration 10m]
                                record a town's device traffic (and simulator ground truth) from a broker
  qala replay --file <file.ndjson> [--broker url] [--speed 1..3600|max] [--connections 4]
                                replay a recorded or simulated feed into a broker, in its recorded spacing
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
      case 'rules':
        if (rest[0] !== 'test') {
          console.error(`qala: "rules" takes the subcommand "test"\n\n${USAGE}`);
          return 2;
        }
        return await rulesTest(rest.slice(1));
      case 'record':
        return await recordCommand(rest);
      case 'replay':
        return await replayCommand(rest);
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
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') {
      console.error(`qala: cannot reach the broker (${(err as Error).message}); is it running, and is --broker right?`);
      return 1;
    }
    throw err;
  }
}

async function start(): Promise<number> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, config.logFormat);
  const platform = createPlatform({ config, log });
  await platform.start();
  log.info(`Qala is up: dashboard http://localhost:${platform.httpPort}  MQTT ${config.brokerUrl ?? `mqtt://localhost:${platform.mqttPort}`}`);
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
      scenario: { type: 'string' },
      town: { type: 'string' },
      seed: { type: 'string' },
      speed: { type: 'string' },
      scale: { type: 'string' },
      interval: { type: 'string' },
      'fault-rate': { type: 'string' },
      connections: { type: 'string' },
      start: { type: 'string' },
      duration: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const interval = values.interval === undefined ? undefined : parseDuration(values.interval);
  if (values.interval !== undefined && interval === undefined) throw new QalaError('ERR_CONFIG_INVALID', `--interval "${values.interval}" is not a duration such as 10s`);
  const config = loadConfig(process.env, {
    scenario: values.scenario,
    simSeed: values.seed,
    simSpeed: values.speed,
    simScale: values.scale,
    simIntervalMs: interval,
    simFaultRate: values['fault-rate'],
    simConnections: values.connections,
    simStart: values.start,
  });
  const durationMs = values.duration === undefined ? undefined : parseDuration(values.duration);
  if (values.duration !== undefined && !durationMs) throw new QalaError('ERR_CONFIG_INVALID', `--duration "${values.duration}" is not a duration such as 90s, 30m, 2h or 1d`);
  if (values.out && durationMs === undefined) throw new QalaError('ERR_CONFIG_INVALID', '--out needs --duration: a recorded feed must end');
  const log = createLogger(config.logLevel, config.logFormat);
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const sim = simulationFromConfig(config, { brokerUrl: values.broker, town: values.town, durationMs, log, now: Date.now, onFinished: () => finished() });
  const progress = new Progress();
  const end = durationMs === undefined ? undefined : sim.clock.now() + durationMs;
  const startAt = config.simStart ? Date.parse(config.simStart) : sim.clock.now();
  const describe = (simTime: number, messages: number, faults: number, lagMs?: number) => ({
    fraction: end === undefined ? undefined : Math.min(1, (simTime - startAt) / (end - startAt)),
    text: `${new Date(simTime).toISOString().slice(0, 16)}Z sim · ${messages.toLocaleString('en')} msgs · ${faults} faults${lagMs === undefined ? '' : ` · lag ${lagMs} ms`}`,
  });

  if (values.out) {
    // record at full speed, no broker: the feed as NDJSON, one message a line
    const out = createWriteStream(values.out);
    let n = 0;
    for (const m of sim.feed.messages()) {
      if (!out.write(formatFeedLine(m.at, m.topic, m.payload, m.retain))) await once(out, 'drain');
      if (++n % 5000 === 0) progress.update(describe(m.at, n, sim.feed.stats.faults));
    }
    await new Promise<void>((r) => out.end(r));
    progress.done();
    const stats = sim.feed.stats;
    console.log(JSON.stringify({ summary: { devices: sim.feed.devices.length, messages: stats.messages, readings: stats.readings, faults: stats.faults, out: values.out } }));
    return 0;
  }

  await sim.fleet.start();
  const report = setInterval(() => {
    const s = sim.fleet.stats();
    progress.update(describe(s.simTime, s.published, s.faults, s.lagMs));
  }, 250);
  await Promise.race([untilSignal(), done]);
  clearInterval(report);
  await sim.fleet.drain();
  progress.done();
  const s = sim.fleet.stats();
  await sim.fleet.stop();
  console.log(JSON.stringify({ summary: { devices: s.devices, connections: s.connections, readings: sim.feed.stats.readings, published: s.published, publishErrors: s.publishErrors, faults: s.faults, maxLagMs: s.maxLagMs, finished: s.finished } }));
  return 0;
}

async function rulesTest(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      rules: { type: 'string', default: BUILTIN_RULES },
      scenario: { type: 'string', default: 'temirtau' },
      seed: { type: 'string', default: '42' },
      start: { type: 'string', default: '2026-01-15T00:00:00+05:00' },
      duration: { type: 'string', default: '1d' },
      interval: { type: 'string', default: '10s' },
      scale: { type: 'string', default: '1' },
      'fault-rate': { type: 'string', default: '50' },
      feed: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const durationMs = parseDuration(values.duration);
  const intervalMs = parseDuration(values.interval);
  const start = Date.parse(values.start);
  const numbers = { seed: Number(values.seed), scale: Number(values.scale), faultRate: Number(values['fault-rate']) };
  const bad = [
    !durationMs && `--duration "${values.duration}" is not a duration such as 6h or 1d`,
    !intervalMs && `--interval "${values.interval}" is not a duration such as 10s`,
    Number.isNaN(start) && `--start "${values.start}" is not an ISO 8601 date-time`,
    ...Object.entries(numbers).map(([k, v]) => !Number.isFinite(v) && `--${k === 'faultRate' ? 'fault-rate' : k} must be a number`),
  ].filter(Boolean);
  if (bad.length) throw new QalaError('ERR_CONFIG_INVALID', bad.join('; '));
  const result = await runRulesTest({ rulesFile: values.rules, feedFile: values.feed, scenario: values.scenario, start, durationMs: durationMs!, intervalMs: intervalMs!, ...numbers, progress: values.json ? undefined : new Progress() });
  if (values.json) {
    console.log(JSON.stringify({ scores: result.scores, faults: result.faults.length, readings: result.readings, rejected: result.rejected, wallMs: result.wallMs }));
    return 0;
  }
  const what = values.feed ? `feed ${values.feed}` : `${values.scenario}, seed ${values.seed}, ${values.duration} from ${values.start}`;
  console.log(`${what}: ${result.readings.toLocaleString('en')} readings, ${result.faults.length} faults injected, ${result.raised.filter((s) => s.type === 'raised').length} incidents, in ${(result.wallMs / 1000).toFixed(1)} s\n`);
  console.log(formatScores(result.scores));
  return 0;
}

async function recordCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' }, town: { type: 'string', default: 'temirtau' }, out: { type: 'string' }, duration: { type: 'string' } },
    strict: true,
  });
  if (!values.out) throw new QalaError('ERR_CONFIG_INVALID', '--out <file.ndjson> is required: where the recording goes');
  const durationMs = values.duration === undefined ? undefined : parseDuration(values.duration);
  if (values.duration !== undefined && !durationMs) throw new QalaError('ERR_CONFIG_INVALID', `--duration "${values.duration}" is not a duration such as 90s or 10m`);
  const config = loadConfig();
  const summary = await record({ brokerUrl: values.broker, town: values.town, out: values.out, durationMs, log: createLogger(config.logLevel, config.logFormat), progress: new Progress(), stop: untilSignal() });
  console.log(JSON.stringify({ summary }));
  return 0;
}

async function replayCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' }, file: { type: 'string' }, speed: { type: 'string', default: '1' }, connections: { type: 'string', default: '4' } },
    strict: true,
  });
  if (!values.file) throw new QalaError('ERR_CONFIG_INVALID', '--file <file.ndjson> is required: the feed to replay');
  const speed = values.speed === 'max' ? 1e9 : Number(values.speed);
  const connections = Number(values.connections);
  if (!(speed >= 0.01 && (speed <= 3600 || values.speed === 'max'))) throw new QalaError('ERR_CONFIG_INVALID', `--speed "${values.speed}" must be 0.01..3600 or max`);
  if (!Number.isInteger(connections) || connections < 1) throw new QalaError('ERR_CONFIG_INVALID', `--connections "${values.connections}" must be a whole number of at least 1`);
  const config = loadConfig();
  const summary = await replay({ brokerUrl: values.broker, file: values.file, speed, connections, log: createLogger(config.logLevel, config.logFormat), progress: new Progress(), stop: untilSignal() });
  console.log(JSON.stringify({ summary }));
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
