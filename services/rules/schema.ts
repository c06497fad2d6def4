// Rule files (YAML or JSON), validated with zod. A rule names the device kinds it
// watches, a condition tree that raises it, optionally a separate condition that
// clears it, and how long each must hold. Group rules fold k of n devices of a
// district into one incident.
import { z } from 'zod';
import { KIND_IDS, SUBSYSTEMS, UTILITIES, parseDuration } from '../../devices/index.ts';

const duration = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration such as 30s, 5m or 1h` });
    return z.NEVER;
  }
  return ms;
});
const metric = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a metric name');

export const thresholdSchema = z
  .object({
    metric,
    above: z.number().optional(),
    below: z.number().optional(),
    /** hysteresis: the level the value must come back past before the condition clears */
    clear: z.number().optional(),
    /** an event-like metric (a detection, a signal state): its value counts as clear once older than this */
    hold: duration.optional(),
  })
  .strict()
  .refine((t) => (t.above === undefined) !== (t.below === undefined), 'give exactly one of above or below')
  .refine((t) => t.clear === undefined || (t.above !== undefined ? t.clear <= t.above : t.clear >= t.below!), 'clear must lie on the normal side of the threshold');

export const rateSchema = z
  .object({
    metric,
    drop: z.number().positive().optional(),
    rise: z.number().positive().optional(),
    /** relative change in percent of the earlier value */
    dropPct: z.number().positive().optional(),
    risePct: z.number().positive().optional(),
    within: duration,
  })
  .strict()
  .refine((r) => [r.drop, r.rise, r.dropPct, r.risePct].filter((x) => x !== undefined).length === 1, 'give exactly one of drop, rise, dropPct, risePct');

export const scheduleSchema = z
  .object({
    metric,
    /** the metric carrying the outdoor temperature */
    outdoorMetric: metric.default('outdoorTemp'),
    /** the standard quality-regulation chart 130/70 (devices/heating-schedule.ts, Sokolov) */
    schedule: z.enum(['130/70']).default('130/70'),
    /** the design outdoor temperature, °C (coldest five days at 0.92, SP 131.13330); by default the town's own (the engine's climate: the scenario's, else Karaganda's −32 °C) */
    designOutdoor: z.number().min(-60).max(0).optional(),
    /** regulation and transport lag: the chart owed is the one for the warmest outdoor temperature within it */
    lag: duration.default(7_200_000),
    /** the tolerance band: raise when the value is this many degrees below the chart's supply temperature */
    below: z.number().positive(),
    clear: z.number().nonnegative().optional(),
  })
  .strict();

/**
 * A slow leak: the metric's mean over the last `over` is lower than over the same
 * span of time a day earlier by at least `by` (water demand repeats daily, so the
 * daily pattern cancels and a trend of a tenth of a bar an hour shows within hours).
 */
export const dailyDropSchema = z
  .object({
    metric,
    by: z.number().positive(),
    over: duration.default(1_800_000),
  })
  .strict();

/**
 * A slow leak from the minimum night flow of a district metered area (UKWIR "Managing
 * Leakage" Report E; Lambert's BABE concepts, IWA): legitimate use is lowest between
 * 02:00 and 04:00 local time, so the night's minimum (of 15-minute means) is mostly
 * leakage, and a new leak shows as a rise of it over the area's baseline (the median
 * of its earlier normal nights). Raised when `nights` nights in a row lie at least
 * `risePct` percent and `rise` units above the baseline; evaluated when a night's
 * window closes, so it needs a night of history first.
 */
export const nightFlowSchema = z
  .object({
    metric,
    /** the window, in local hours */
    from: z.number().int().min(0).max(23).default(2),
    to: z.number().int().min(1).max(24).default(4),
    risePct: z.number().positive(),
    /** and at least this much, in the metric's unit */
    rise: z.number().nonnegative().default(0),
    /** nights in a row above the baseline (two keep one night of legitimate use, or a main break in the window, from raising) */
    nights: z.number().int().min(1).max(7).default(2),
    /** earlier normal nights whose median is the baseline */
    baseline: z.number().int().min(1).max(28).default(7),
  })
  .strict()
  .refine((n) => n.from < n.to, 'from must be before to (a window within one night, local time)');

export type Condition =
  | { threshold: z.infer<typeof thresholdSchema> }
  | { rateOfChange: z.infer<typeof rateSchema> }
  | { belowSchedule: z.infer<typeof scheduleSchema> }
  | { dailyDrop: z.infer<typeof dailyDropSchema> }
  | { nightFlow: z.infer<typeof nightFlowSchema> }
  | { all: Condition[] }
  | { any: Condition[] };

export const conditionSchema: z.ZodType<Condition, unknown> = z.lazy(() =>
  z.union([
    z.object({ threshold: thresholdSchema }).strict(),
    z.object({ rateOfChange: rateSchema }).strict(),
    z.object({ belowSchedule: scheduleSchema }).strict(),
    z.object({ dailyDrop: dailyDropSchema }).strict(),
    z.object({ nightFlow: nightFlowSchema }).strict(),
    z.object({ all: z.array(conditionSchema).min(1) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1) }).strict(),
  ]),
) as z.ZodType<Condition, unknown>;

const kindId = z.enum(KIND_IDS as [string, ...string[]]);

export const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a lowercase id such as water-low-pressure'),
    title: z.string().min(1),
    severity: z.enum(['critical', 'major', 'minor', 'warning']),
    enabled: z.boolean().default(true),
    match: z
      .object({
        kinds: z.array(kindId).min(1),
        districts: z.array(z.string()).optional(),
        devices: z.array(z.string()).optional(),
      })
      .strict(),
    /** overrides the utility that owns the kind */
    utility: z.enum(UTILITIES).optional(),
    subsystem: z.enum(SUBSYSTEMS).optional(),
    /** what raises it; absent for an absence rule */
    when: conditionSchema.optional(),
    /** what clears it; by default, the raise condition no longer holding */
    clearWhen: conditionSchema.optional(),
    /** no reading for this long: the device is offline */
    absentFor: duration.optional(),
    /** the condition must hold this long (device time) to raise; by default 30s for critical rules, else 0 */
    for: duration.optional(),
    /** and for this many consecutive readings; by default 3 for critical rules, 2 for major, else 1 */
    minSamples: z.number().int().min(1).optional(),
    /** `heating`: the rule applies only in the heating season (mean daily outdoor ≤ +8 °C for five days) */
    season: z.enum(['always', 'heating']).default('always'),
    /** while an incident of one of these rules is open in the same district, this rule raises nothing (its symptoms are that incident's consequences) */
    inhibitedBy: z.array(z.string()).default([]),
    /** clear must hold this long before the incident resolves itself */
    clearFor: duration.default(300_000),
    autoResolve: z.boolean().default(true),
    group: z
      .object({
        by: z.literal('district').default('district'),
        /** at least k devices of the group */
        k: z.number().int().min(2),
        /** whose conditions began within this window */
        window: duration,
        /**
         * one of them of these kinds and k−1 of the other kinds (a feeder silent with two
         * of the devices it powers is its outage; three feeders silent are not)
         */
        requires: z.array(kindId).optional(),
        /**
         * a district with fewer than k devices the rule watches raises once all of them
         * trip (a main break in a district metered area with one pressure point); with
         * `requires`, a district with fewer than k−1 of the other kinds raises once a
         * device of the required kinds and all the others (at least one) trip
         */
        allIfFewer: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /** simulator fault kinds this rule is meant to detect, for `qala rules test` */
    detects: z.array(z.string()).default([]),
  })
  .strict()
  .refine((r) => (r.when === undefined) !== (r.absentFor === undefined), 'give exactly one of when (a condition) or absentFor (an absence rule)')
  // safe defaults: one read error must not raise a critical incident
  .transform((r) => ({
    ...r,
    for: r.for ?? (r.severity === 'critical' && r.absentFor === undefined ? 30_000 : 0),
    minSamples: r.minSamples ?? (r.absentFor !== undefined ? 1 : r.severity === 'critical' ? 3 : r.severity === 'major' ? 2 : 1),
  }));

export type Rule = z.output<typeof ruleSchema>;

export const ruleFileSchema = z
  .object({
    rules: z.array(ruleSchema),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `rule id "${r.id}" appears twice` });
      seen.add(r.id);
    });
    f.rules.forEach((r, i) => {
      r.inhibitedBy.forEach((id, j) => {
        if (!seen.has(id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'inhibitedBy', j], message: `no rule "${id}" in this file` });
      });
    });
  });
