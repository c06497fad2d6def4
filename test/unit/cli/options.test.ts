import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QalaError } from '../../../services/contracts/errors.ts';
import { duration } from '../../../services/cli/option-types.ts';
import { flag, option, optionName, parseOptions, usage, type Command } from '../../../services/cli/options.ts';
import { explainStartupError } from '../../../services/cli/startup-errors.ts';

const options = z
  .object({
    file: option(z.string(), '<file>', 'the feed to read'),
    faultRate: option(z.string().regex(/^\d+$/, 'a whole number').transform(Number).prefault('50'), '<x>', 'multiplies the fault rates'),
    window: option(duration().optional(), '<90s|5m>', 'how long to look'),
    json: flag('print JSON'),
  })
  .strict();
const cmd: Command<typeof options> = { name: 'demo run', summary: 'a demonstration', options, run: async () => 0 };

const usageError = (args: string[]): string => {
  try {
    parseOptions(cmd, args);
  } catch (err) {
    expect(err).toBeInstanceOf(QalaError);
    expect((err as QalaError).code).toBe('ERR_USAGE');
    return (err as Error).message;
  }
  throw new Error('expected parseOptions to refuse');
};

describe('command options', () => {
  it('names options in kebab case after their camelCase keys', () => {
    expect(optionName('faultRate')).toBe('--fault-rate');
    expect(optionName('file')).toBe('--file');
  });

  it('parses values through the schema, with defaults and flags', () => {
    expect(parseOptions(cmd, ['--file', 'a.ndjson', '--window=5m', '--json'])).toEqual({ file: 'a.ndjson', faultRate: 50, window: 300_000, json: true });
    expect(parseOptions(cmd, ['--file', 'a.ndjson', '--fault-rate', '7'])).toMatchObject({ faultRate: 7, json: false });
  });

  it('answers -h and --help whatever else is on the line', () => {
    expect(parseOptions(cmd, ['--help'])).toBe('help');
    expect(parseOptions(cmd, ['-h'])).toBe('help');
    expect(parseOptions(cmd, ['--bogus', '--help'])).toBe('help');
  });

  it('reports every problem at once, naming each option and what it expects, with a usage hint', () => {
    expect(usageError(['--fault-rate', 'lots', '--json=yes', '--file'])).toBe(
      'demo run: --json takes no value; --file needs a value: <file>; --fault-rate "lots": a whole number (see qala demo run --help)',
    );
    expect(usageError(['--fault-rate', 'lots', '--window', 'a while'])).toBe(
      'demo run: --file <file> is required: the feed to read; --fault-rate "lots": a whole number; --window "a while": a duration such as 90s, 30m, 2h or 1d (see qala demo run --help)',
    );
  });

  it('refuses unknown options, stray arguments and an option without its value', () => {
    expect(usageError(['--file', 'a', '--colour', 'red'])).toBe('demo run: unknown option --colour; unexpected argument "red" (see qala demo run --help)');
    expect(usageError(['--file', '--json'])).toBe('demo run: --file needs a value: <file> (see qala demo run --help)');
    expect(usageError(['--window'])).toContain('--window needs a value: <90s|5m>');
    expect(usageError(['-x'])).toContain('unknown option -x');
  });

  it('generates the usage from the schema: every option, its placeholder, description and default', () => {
    const text = usage(cmd);
    expect(text.split('\n')[0]).toBe('usage: qala demo run [options]');
    expect(text).toMatch(/--file <file> +the feed to read\n/);
    expect(text).toMatch(/--fault-rate <x> +multiplies the fault rates \(default 50\)\n/);
    expect(text).toMatch(/--json +print JSON\n/);
    expect(text).toMatch(/-h, --help +print this help$/);
  });
});

describe('start-up errors', () => {
  const inUse = (port: number) => Object.assign(new Error(`listen EADDRINUSE: address already in use 0.0.0.0:${port}`), { code: 'EADDRINUSE', port });

  it('names the variable that set a port in use', () => {
    const config = { mqttPort: 1883, httpPort: 8080 };
    expect((explainStartupError(inUse(8080), config) as QalaError).message).toBe('port 8080 (QALA_HTTP_PORT) is in use by another program; stop that program, or set QALA_HTTP_PORT to a free port');
    expect((explainStartupError(inUse(1883), config) as QalaError).message).toContain('(QALA_MQTT_PORT)');
    expect((explainStartupError(inUse(1883), config) as QalaError).code).toBe('ERR_PORT_IN_USE');
  });

  it('says so when both ports are set to the same number', () => {
    expect((explainStartupError(inUse(8080), { mqttPort: 8080, httpPort: 8080 }) as QalaError).message).toBe('QALA_MQTT_PORT and QALA_HTTP_PORT are both 8080; give them different ports');
  });

  it('leaves other errors as they are', () => {
    const other = Object.assign(new Error('boom'), { code: 'EACCES', port: 80 });
    expect(explainStartupError(other, { mqttPort: 1883, httpPort: 80 })).toBe(other);
  });
});
