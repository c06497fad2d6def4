// The `qala` command line. Only this entry decides exit codes (bin/qala.mjs sets
// them): 0 done, 1 a failure the message explains, 2 a usage mistake.
import { QalaError } from '../contracts/errors.ts';
import { configCommand } from './commands/config.ts';
import { devicesAddCommand, devicesImportCommand, devicesListCommand, devicesRevokeCommand } from './commands/devices.ts';
import { recordCommand } from './commands/record.ts';
import { replayCommand } from './commands/replay.ts';
import { rulesTestCommand } from './commands/rules-test.ts';
import { simulateCommand } from './commands/simulate.ts';
import { startCommand } from './commands/start.ts';
import { parseOptions, usage, type Command } from './options.ts';

const COMMANDS = [
  startCommand, simulateCommand, rulesTestCommand, recordCommand, replayCommand,
  devicesListCommand, devicesAddCommand, devicesRevokeCommand, devicesImportCommand, configCommand,
] as Command[];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'qala: smart-city telemetry platform and live control room',
    '',
    'usage: qala <command> [options]',
    '',
    ...COMMANDS.map((c) => `  qala ${c.name.padEnd(width)}${c.summary}`),
    '',
    '`qala <command> --help` gives the options of a command. Configuration comes from',
    'QALA_* environment variables (`qala config`); see README.md.',
  ].join('\n');
}

/** The command the arguments name ("rules test" takes two words) and the rest. */
function find(argv: string[]): { command: Command; rest: string[] } | undefined {
  for (const command of COMMANDS) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { command, rest: argv.slice(words.length) };
  }
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...others] = argv;
  if (first === undefined) {
    console.error(overview());
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const about = others.length ? find(others) : undefined;
    console.log(about ? usage(about.command) : overview());
    return 0;
  }
  const found = find(argv);
  try {
    if (!found) {
      const inGroup = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
      if (inGroup.length && others.some((a) => a === '--help' || a === '-h')) {
        console.log(inGroup.map(usage).join('\n\n'));
        return 0;
      }
      const group = inGroup.map((c) => `qala ${c.name}`);
      throw new QalaError('ERR_USAGE', group.length ? `"${argv.join(' ')}" is not a command; did you mean ${group.join(' or ')}? (see qala --help)` : `unknown command "${first}" (see qala --help)`);
    }
    const options = parseOptions(found.command, found.rest);
    if (options === 'help') {
      console.log(usage(found.command));
      return 0;
    }
    return await found.command.run(options);
  } catch (err) {
    return report(err);
  }
}

// CONNACK return codes of MQTT 3.1.1 §3.2.2.3, Table 3.1.
const CONNACK_REFUSALS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** "CONNACK 5: not authorized" for MQTT.js's error on a refused CONNECT, else undefined. */
function connackRefusal(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code !== 'number' || typeof e.message !== 'string' || !e.message.startsWith('Connection refused')) return undefined;
  return `CONNACK ${e.code}: ${CONNACK_REFUSALS[e.code] ?? 'refused'}`;
}

/** One line on stderr for every failure a user can fix; a stack trace only for a bug. */
function report(err: unknown): number {
  if (err instanceof QalaError) {
    console.error(`qala: ${err.code}: ${err.message}`);
    return err.code === 'ERR_USAGE' ? 2 : 1;
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOTFOUND' || e?.code === 'EHOSTUNREACH') {
    console.error(`qala: cannot reach the broker (${e.message}); is it running, and is --broker (or QALA_BROKER_URL) right?`);
    return 1;
  }
  const refused = connackRefusal(err);
  if (refused) {
    console.error(`qala: the broker refused the login (${refused}); against Qala, \`qala simulate\` and \`qala replay\` log in as its simulator with --key-file (by default <QALA_DATA_DIR>/access/simulator.key), \`qala record\` as an engineer or admin with --username and --password`);
    return 1;
  }
  if (e?.code === 'ENOENT' && e.path) {
    console.error(`qala: ERR_FILE_NOT_FOUND: ${e.path}: no such file or directory`);
    return 1;
  }
  throw err;
}
