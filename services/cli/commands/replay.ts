// `qala replay`: a recorded or simulated feed into any broker, in its recorded order
// and spacing, at any speed.
import { z } from 'zod';
import { loadConfig } from '../../config.ts';
import { requireFile } from '../files.ts';
import { brokerUrl, filePath } from '../option-types.ts';
import { groupCredentials, keyFileOption } from '../credentials.ts';
import { option, type Command } from '../options.ts';
import { Progress } from '../progress.ts';
import { untilSignal } from '../signals.ts';

const SPEED = 'a number from 0.01 to 3600, or max';

const options = z
  .object({
    file: option(filePath, '<file.ndjson>', 'the feed to replay, from `qala record` or `qala simulate --out`'),
    broker: option(brokerUrl.default('mqtt://127.0.0.1:1883'), '<url>', 'the MQTT broker to publish to'),
    speed: option(
      z
        .union([z.literal('max').transform(() => 1e9), z.string().regex(/^\d+(\.\d+)?$/, SPEED).transform(Number).pipe(z.number().min(0.01, SPEED).max(3600, SPEED))], { error: SPEED })
        .prefault('1'),
      '<0.01..3600|max>',
      'recorded seconds per real second; max sends as fast as the broker acknowledges',
    ),
    connections: option(
      z.string().regex(/^\d{1,5}$/, 'a whole number from 1 to 10000').transform(Number).pipe(z.number().min(1, 'a whole number from 1 to 10000').max(10_000, 'a whole number from 1 to 10000')).prefault('4'),
      '<n>',
      'MQTT connections to publish over',
    ),
    keyFile: keyFileOption,
  })
  .strict();

export const replayCommand: Command<typeof options> = {
  name: 'replay',
  summary: 'replay a recorded or simulated feed into a broker, in its recorded order and spacing, at any speed',
  options,
  async run(o) {
    requireFile('--file', o.file, 'record a feed with `qala record` or `qala simulate --out`');
    const config = loadConfig();
    // loaded here, not at the top: --help and usage mistakes answer without the MQTT client
    const [{ createLogger }, { replay }] = await Promise.all([import('../../log.ts'), import('../record-replay.ts')]);
    const summary = await replay({ brokerUrl: o.broker, file: o.file, speed: o.speed, connections: o.connections, log: createLogger(config.logLevel, config.logFormat), progress: new Progress(), stop: untilSignal(), credentials: groupCredentials(o.keyFile, config.dataDir) });
    console.log(JSON.stringify({ summary }));
    return 0;
  },
};
