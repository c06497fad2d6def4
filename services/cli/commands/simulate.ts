// `qala simulate`: the simulated town only, publishing into any broker, or recorded
// to a feed file at full speed with --out.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { z } from 'zod';
import { loadConfig } from '../../config.ts';
import { requireDirectoryOf } from '../files.ts';
import { brokerUrl, duration, filePath, fromConfig, isoTime, townId } from '../option-types.ts';
import { groupCredentials, keyFileOption } from '../credentials.ts';
import { option, type Command } from '../options.ts';
import { Progress } from '../progress.ts';
import { untilSignal } from '../signals.ts';

const options = z
  .object({
    broker: option(brokerUrl.default('mqtt://127.0.0.1:1883'), '<url>', 'the MQTT broker to publish to'),
    scenario: option(fromConfig('scenario'), '<name|file>', 'one of the 27 monotowns (abay, aksay, ... temirtau, ... zyryanovsk: see the README) or a scenario JSON file (default: QALA_SCENARIO, else temirtau)'),
    town: option(townId.optional(), '<id>', "the town id in the topics (default: the scenario's id)"),
    seed: option(fromConfig('simSeed'), '<n>', 'random seed: the same seed, start and duration give the same messages (default: QALA_SIM_SEED, else 42)'),
    speed: option(fromConfig('simSpeed'), '<0.01..3600>', 'simulated seconds per real second (default: QALA_SIM_SPEED, else 1)'),
    start: option(isoTime.optional(), '<date-time>', 'simulated start, ISO 8601 (default: QALA_SIM_START, else now)'),
    duration: option(duration().optional(), '<90s|30m|2h|1d>', 'simulated duration (default: until Ctrl-C)'),
    scale: option(fromConfig('simScale'), '<x>', 'multiplies the scenario device counts (default: QALA_SIM_SCALE, else 1)'),
    interval: option(duration(100).optional(), '<10s>', 'simulated time between two readings of a device (default: QALA_SIM_INTERVAL_MS, else 10s)'),
    faultRate: option(fromConfig('simFaultRate'), '<x>', 'multiplies the wear-calibrated fault rates, 0 for scheduled faults only (default: QALA_SIM_FAULT_RATE, else 1)'),
    hardCases: option(fromConfig('simHardCases'), '<x>', "multiplies the field's hard cases (spikes, reboot gaps, duplicates, reordering, gateway back-fill, clock skew...), each announced as a hard-case message on sim/faults; 0 for a clean feed (default: QALA_SIM_HARD_CASES, else 0)"),
    connections: option(fromConfig('simConnections'), '<per-device|n|auto>', 'one connection per device, n shared ones, or auto (default: QALA_SIM_CONNECTIONS, else auto)'),
    out: option(filePath.optional(), '<file.ndjson>', 'record the feed to this file at full speed instead of publishing (needs --duration)'),
    keyFile: keyFileOption,
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.out !== undefined && o.duration === undefined) ctx.addIssue({ code: 'custom', path: ['out'], message: 'needs --duration too: a recorded feed must end' });
  });

export const simulateCommand: Command<typeof options> = {
  name: 'simulate',
  summary: 'the simulated town only, publishing into any MQTT 3.1.1 broker, or recorded to a feed file with --out',
  options,
  async run(o) {
    if (o.out !== undefined) requireDirectoryOf('--out', o.out);
    const config = loadConfig(process.env, {
      scenario: o.scenario,
      simSeed: o.seed,
      simSpeed: o.speed,
      simScale: o.scale,
      simIntervalMs: o.interval,
      simFaultRate: o.faultRate,
      simHardCases: o.hardCases,
      simConnections: o.connections,
      simStart: o.start,
    });
    // loaded here, not at the top: --help and usage mistakes answer without them
    const [{ createLogger }, { simulationFromConfig }, { formatFeedLine }] = await Promise.all([
      import('../../log.ts'),
      import('../../../simulator/simulation.ts'),
      import('../../../simulator/feed-file.ts'),
    ]);
    const log = createLogger(config.logLevel, config.logFormat);
    let finished!: () => void;
    const done = new Promise<void>((r) => (finished = r));
    const sim = simulationFromConfig(config, { brokerUrl: o.broker, town: o.town, durationMs: o.duration, log, now: Date.now, onFinished: () => finished(), credentials: groupCredentials(o.keyFile, config.dataDir) });
    const progress = new Progress();
    const end = o.duration === undefined ? undefined : sim.clock.now() + o.duration;
    const startAt = config.simStart ? Date.parse(config.simStart) : sim.clock.now();
    const describe = (simTime: number, messages: number, faults: number, lagMs?: number) => ({
      fraction: end === undefined ? undefined : Math.min(1, (simTime - startAt) / (end - startAt)),
      text: `${new Date(simTime).toISOString().slice(0, 16)}Z sim · ${messages.toLocaleString('en')} msgs · ${faults} faults${lagMs === undefined ? '' : ` · lag ${lagMs} ms`}`,
    });

    if (o.out !== undefined) {
      // record at full speed, no broker: the feed as NDJSON, one message a line
      const out = createWriteStream(o.out);
      let n = 0;
      for (const m of sim.feed.messages()) {
        if (!out.write(formatFeedLine(m.at, m.topic, m.payload, m.retain))) await once(out, 'drain');
        if (++n % 5000 === 0) progress.update(describe(m.at, n, sim.feed.stats.faults));
      }
      await new Promise<void>((r) => out.end(r));
      progress.done();
      const stats = sim.feed.stats;
      console.log(JSON.stringify({ summary: { devices: sim.feed.devices.length, messages: stats.messages, readings: stats.readings, faults: stats.faults, out: o.out } }));
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
  },
};
