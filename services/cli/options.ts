// Command-line options checked by one zod schema per command, as the config is:
// every problem is reported at once, naming the option and what it expects, and the
// usage text is generated from the same schema, so `--help` cannot drift from it.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { QalaError } from '../contracts/errors.ts';

export interface OptionMeta {
  /** the value's placeholder in the usage, such as <url>; absent for a flag */
  arg?: string;
  description: string;
}

/** An option: its schema, with the placeholder and description the usage shows. */
export const option = <S extends z.ZodType>(schema: S, arg: string, description: string): S => schema.meta({ arg, description } satisfies OptionMeta);
export const flag = (description: string) => z.boolean().default(false).meta({ description } satisfies OptionMeta);

export interface Command<S extends z.ZodObject = z.ZodObject> {
  /** as typed after `qala`: "simulate", "rules test" */
  name: string;
  /** one line, for `qala --help` */
  summary: string;
  /** more about what it does, printed under the synopsis */
  details?: string;
  options: S;
  run(options: z.infer<S>): Promise<number>;
}

/** camelCase key → --kebab-case option */
export const optionName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const metaOf = (schema: z.ZodType): OptionMeta => (schema.meta() ?? { description: '' }) as OptionMeta;

function isFlag(schema: z.ZodType): boolean {
  let s = schema as z.ZodType & { def: { type: string; innerType?: z.ZodType } };
  while (s.def.innerType && ['default', 'prefault', 'optional'].includes(s.def.type)) s = s.def.innerType as typeof s;
  return s.def.type === 'boolean';
}

function defaultOf(schema: z.ZodType): unknown {
  const def = (schema as unknown as { def: { type: string; defaultValue?: unknown } }).def;
  return def.type === 'default' || def.type === 'prefault' ? def.defaultValue : undefined;
}

export function usage(cmd: Command): string {
  const rows = Object.entries(cmd.options.shape as Record<string, z.ZodType>).map(([key, schema]) => {
    const { arg, description } = metaOf(schema);
    const def = defaultOf(schema);
    const shown = def === undefined || def === false || description.includes('(default') ? '' : ` (default ${def})`;
    return [`${optionName(key)}${arg ? ` ${arg}` : ''}`, `${description}${shown}`] as const;
  });
  rows.push(['-h, --help', 'print this help']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `usage: qala ${cmd.name}${rows.length > 1 ? ' [options]' : ''}`,
    '',
    cmd.summary,
    ...(cmd.details ? ['', cmd.details] : []),
    '',
    'options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
  ].join('\n');
}

/** The options of `cmd` from its arguments, `'help'` for -h/--help, or ERR_USAGE naming every problem. */
export function parseOptions<S extends z.ZodObject>(cmd: Command<S>, args: string[]): z.infer<S> | 'help' {
  const shape = cmd.options.shape as Record<string, z.ZodType>;
  const byName = new Map(Object.keys(shape).map((key) => [optionName(key).slice(2), key]));
  const { tokens } = parseArgs({
    args,
    options: Object.fromEntries([...byName].map(([name, key]) => [name, { type: isFlag(shape[key]!) ? 'boolean' : 'string' }] as const)),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  /** options already reported as given wrongly, so the schema does not call them missing */
  const reported = new Set<string>();
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      problems.push(`unexpected argument "${t.value}"`);
      continue;
    }
    if (t.name === 'help' || t.name === 'h') return 'help';
    const key = byName.get(t.name);
    if (key === undefined) {
      problems.push(`unknown option ${t.rawName}`);
      continue;
    }
    if (isFlag(shape[key]!)) {
      if (t.inlineValue) {
        problems.push(`${t.rawName} takes no value`);
        reported.add(key);
      } else raw[key] = true;
      continue;
    }
    // parseArgs without strict takes "--speed --duration" as speed="--duration"
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('-') && Number.isNaN(Number(t.value)))) {
      problems.push(`${t.rawName} needs a value: ${metaOf(shape[key]!).arg ?? 'a value'}`);
      reported.add(key);
      continue;
    }
    raw[key] = t.value;
  }
  const parsed = cmd.options.safeParse(raw);
  if (parsed.success && problems.length === 0) return parsed.data;
  for (const issue of parsed.error?.issues ?? []) {
    const key = String(issue.path[0] ?? '');
    if (reported.has(key)) continue;
    const name = key ? optionName(key) : '';
    const { arg, description } = key ? metaOf(shape[key]!) : { arg: undefined, description: '' };
    if (!key) problems.push(issue.message);
    else if (raw[key] === undefined && issue.code === 'invalid_type') problems.push(`${name}${arg ? ` ${arg}` : ''} is required: ${description}`);
    else if (raw[key] === undefined) problems.push(`${name}: ${issue.message}`);
    else problems.push(`${name} ${JSON.stringify(raw[key])}: ${issue.message}`);
  }
  throw new QalaError('ERR_USAGE', `${cmd.name}: ${problems.join('; ')} (see qala ${cmd.name} --help)`);
}
