// `qala rules test`: a simulated town (or a recorded feed) at full speed against a
// rule file, every rule scored against the injected faults.
import { z } from 'zod';
import { BUILTIN_RULES } from '../../rules/loader.ts';
import { requireFile } from '../files.ts';
import { duration, filePath, isoTime } from '../option-types.ts';
import { flag, option, type Command } from '../options.ts';
import { Progress } from '../progress.ts';
import { configSchema } from '../../config.ts';

const number = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, what)
    .transform(Number)
    .pipe(z.number().min(min, what).max(max, what));

const options = z
  .object({
    rules: option(filePath.default(BUILTIN_RULES), '<file>', 'the rule file, YAML or JSON (default: the built-in rule pack)'),
    feed: option(filePath.optional(), '<file.ndjson>', 'test against a recorded feed instead of a simulation (ground truth from its sim/faults lines)'),
    scenario: option(configSchema.shape.scenario.unwrap().default('temirtau'), '<name|file>', 'one of the 27 monotowns (abay, aksay, ... temirtau, ... zyryanovsk: see the README) or a scenario JSON file'),
    seed: option(number('a whole number', -(2 ** 31), 2 ** 31).pipe(z.number().int('a whole number')).prefault('42'), '<n>', 'random seed'),
    season: option(z.enum(['winter', 'summer']).optional(), '<winter|summer>', 'start in mid-January (heating on) or mid-July (heating off), local time; --start overrides'),
    start: option(isoTime.optional(), '<date-time>', 'simulated start, ISO 8601 (default: 2026-01-15T00:00:00+05:00)'),
    duration: option(duration().prefault('1d'), '<6h|1d>', 'simulated duration'),
    warmup: option(duration(0).prefault('0s'), '<1d>', 'simulated time before --start without faults or scoring, so rules that compare with yesterday (slow leaks) have a yesterday'),
    cooldown: option(duration(0).prefault('0s'), '<2h>', 'the end of the run, in which no random fault begins, so a fault that takes an hour to show is not cut off by the end'),
    interval: option(duration(100).prefault('10s'), '<10s>', 'simulated time between two readings of a device'),
    scale: option(number('a number above 0, at most 1000', 0.001, 1000).prefault('1'), '<x>', 'multiplies the scenario device counts'),
    faultRate: option(number('a number from 0 to 100000', 0, 100_000).prefault('50'), '<x>', 'multiplies the fault rates; 50 gives enough faults in a day to judge by'),
    hardCases: option(number('a number from 0 to 1000', 0, 1000).prefault('1'), '<x>', 'multiplies the field\'s hard cases (spikes, reboot gaps, duplicates, reordering, gateway back-fill, clock skew, report-on-change, marginal values); 0 for a clean feed'),
    json: flag('print the result as JSON'),
  })
  .strict();

export const rulesTestCommand: Command<typeof options> = {
  name: 'rules test',
  summary: 'run a simulated town at full speed against a rule file and score every rule against the injected faults: incidents, precision, recall, time to detect',
  options,
  async run(o) {
    if (o.rules !== BUILTIN_RULES) requireFile('--rules', o.rules, 'give a rule file (YAML or JSON), or leave --rules out for the built-in pack');
    if (o.feed !== undefined) requireFile('--feed', o.feed, 'record a feed with `qala record` or `qala simulate --out`');
    // loaded here, not at the top: --help and usage mistakes answer without the rules engine
    const [{ runRulesTest }, { formatScores, formatFaultKinds, formatHardNegatives }] = await Promise.all([import('../rules-test.ts'), import('../../rules/score.ts')]);
    const startText = o.start ?? (o.season === 'summer' ? '2026-07-15T00:00:00+05:00' : '2026-01-15T00:00:00+05:00');
    const start = Date.parse(startText);
    const result = await runRulesTest({
      rulesFile: o.rules,
      feedFile: o.feed,
      scenario: o.scenario,
      start,
      durationMs: o.duration,
      intervalMs: o.interval,
      seed: o.seed,
      scale: o.scale,
      faultRate: o.faultRate,
      hardCases: o.hardCases,
      warmupMs: o.warmup,
      cooldownMs: o.cooldown,
      progress: o.json ? undefined : new Progress(),
    });
    if (o.json) {
      console.log(
        JSON.stringify({
          scores: result.scores,
          byFault: result.byFault,
          ...(result.expected ? { expected: Object.fromEntries(result.expected) } : {}),
          hardNegatives: result.hardNegatives,
          unexplained: result.unexplained.map((s) => ({ ruleId: s.ruleId, asset: s.asset, at: s.at, raisedAt: s.raisedAt })),
          faults: result.faults.length,
          readings: result.readings,
          rejected: result.rejected,
          wallMs: result.wallMs,
        }),
      );
      return 0;
    }
    const what = o.feed ? `feed ${o.feed}` : `${o.scenario}, seed ${o.seed}, ${o.duration / 3_600_000} h from ${startText}`;
    console.log(`${what}: ${result.readings.toLocaleString('en')} readings, ${result.faults.length} faults injected, ${result.raised.filter((s) => s.type === 'raised').length} incidents, in ${(result.wallMs / 1000).toFixed(1)} s\n`);
    console.log(formatFaultKinds(result.byFault, result.expected));
    console.log(`\n${formatHardNegatives(result.hardNegatives)}\n(${result.unexplained.length} incidents explained by no fault, ${result.hardCases.length} hard cases)\n`);
    console.log(formatScores(result.scores));
    return 0;
  },
};
