// `qala record`: a town's device traffic (and simulator ground truth) from any broker
// into a feed file.
import { z } from 'zod';
import { loadConfig } from '../../config.ts';
import { requireDirectoryOf } from '../files.ts';
import { brokerUrl, duration, filePath, townId } from '../option-types.ts';
import { userOptions } from '../credentials.ts';
import { option, type Command } from '../options.ts';
import { Progress } from '../progress.ts';
import { untilSignal } from '../signals.ts';

const options = z
  .object({
    out: option(filePath, '<file.ndjson>', 'where the recording goes, one message a line'),
    broker: option(brokerUrl.default('mqtt://127.0.0.1:1883'), '<url>', 'the MQTT broker to record from'),
    town: option(townId.default('temirtau'), '<id>', 'the town whose topics are recorded'),
    duration: option(duration().optional(), '<90s|10m|2h>', 'how long to record (default: until Ctrl-C)'),
    ...userOptions,
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.username === undefined) !== (o.password === undefined)) ctx.addIssue({ code: 'custom', path: ['password'], message: '--username and --password go together' });
  });

export const recordCommand: Command<typeof options> = {
  name: 'record',
  summary: "record a town's device traffic (telemetry, status, simulator ground truth) from a broker to a feed file",
  options,
  async run(o) {
    requireDirectoryOf('--out', o.out);
    const config = loadConfig();
    // loaded here, not at the top: --help and usage mistakes answer without the MQTT client
    const [{ createLogger }, { record }] = await Promise.all([import('../../log.ts'), import('../record-replay.ts')]);
    const summary = await record({ brokerUrl: o.broker, town: o.town, out: o.out, durationMs: o.duration, log: createLogger(config.logLevel, config.logFormat), progress: new Progress(), stop: untilSignal(), ...(o.username && o.password ? { login: { username: o.username, password: o.password } } : {}) });
    console.log(JSON.stringify({ summary }));
    return 0;
  },
};
