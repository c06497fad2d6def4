// Escalation: an incident nobody acknowledges is notified again, then escalated to
// further routes (city control), then reminded until someone acknowledges it, by a
// policy per utility and severity from a file (QALA_ESCALATION_FILE, YAML or JSON),
// in the manner of PagerDuty's escalation policies and Alertmanager's
// repeat_interval. Each step is an incident change ('escalated', 'reminded'),
// journalled before it is announced, so the notifier delivers it, the live view
// shows it and a restart resumes where it was: the next step's time is kept on the
// incident. Time is the injected clock's (platform time), so tests run it on a
// ManualClock. A silenced incident (planned works) is not escalated. A policy may
// set a response deadline (`responseMinutes`): past it unacknowledged, the incident
// records 'deadline-missed' and its routes are told again; the platform builds one
// such policy in, for pressed social-care alarms (careAlarmPolicy).
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UTILITIES } from '../../devices/index.ts';
import { QalaError } from '../contracts/errors.ts';
import { SEVERITIES, type AuditSink, type Clock, type EscalationPolicy, type Incident, type IncidentEscalation, type Timer } from '../contracts/index.ts';
import type { EscalationPlanner, SilenceMatcher } from './incidents.ts';

const MINUTE = 60_000;

const stepSchema = z
  .object({
    afterMinutes: z.number().positive().max(7 * 24 * 60).describe('minutes after opening without acknowledgement'),
    routes: z.array(z.string().min(1)).max(20).default([]).describe('route names to notify; empty: the incident\'s own routes again'),
  })
  .strict();

export const escalationFileSchema = z
  .object({
    policies: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a policy id such as water-major'),
            match: z
              .object({ utilities: z.array(z.enum(UTILITIES)).min(1).optional(), severities: z.array(z.enum(SEVERITIES)).min(1).optional(), rules: z.array(z.string().min(1).max(100)).min(1).max(100).optional() })
              .strict()
              .default({}),
            steps: z.array(stepSchema).min(1).max(10),
            remindEveryMinutes: z.number().min(0).max(7 * 24 * 60).default(0),
            responseMinutes: z.number().positive().max(7 * 24 * 60).optional().describe("not acknowledged this many minutes after opening: a 'deadline-missed' entry, told to its routes again"),
          })
          .strict()
          .refine((p) => p.steps.every((s, i) => i === 0 || s.afterMinutes > p.steps[i - 1]!.afterMinutes), { message: 'steps must come later one after another (afterMinutes increasing)', path: ['steps'] }),
      )
      .max(100),
  })
  .strict();

/** Policies from a file; without one, none (nothing escalates). Route names must be those of the routes file. */
export function loadEscalation(path: string | undefined, routeNames: readonly string[]): EscalationPolicy[] {
  if (!path) return [];
  let doc: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new QalaError('ERR_ESCALATION_INVALID', `escalation file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const r = escalationFileSchema.safeParse(doc);
  const problems = r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  if (r.success) {
    const ids = new Set<string>();
    r.data.policies.forEach((p, i) => {
      if (ids.has(p.id)) problems.push(`policies.${i}.id: "${p.id}" is used twice`);
      ids.add(p.id);
      p.steps.forEach((s, j) =>
        s.routes.forEach((name) => {
          if (!routeNames.includes(name)) problems.push(`policies.${i}.steps.${j}.routes: "${name}" is not a route (routes: ${routeNames.join(', ')})`);
        }),
      );
    });
  }
  if (problems.length > 0 || !r.success) throw new QalaError('ERR_ESCALATION_INVALID', `${path} is invalid:\n  ${problems.join('\n  ')}`);
  return r.data.policies;
}

/** The first policy that covers the incident, in order (the built-in ones first). */
export const policyFor = (policies: readonly EscalationPolicy[], i: Pick<Incident, 'utility' | 'severity' | 'ruleId'>): EscalationPolicy | undefined =>
  policies.find(
    (p) => (!p.match.utilities || p.match.utilities.includes(i.utility)) && (!p.match.severities || p.match.severities.includes(i.severity)) && (!p.match.rules || p.match.rules.includes(i.ruleId)),
  );

/** The built-in policy that holds a pressed care alarm to its response deadline (a file policy of the same id replaces it). */
export const CARE_ALARM_POLICY_ID = 'care-alarm-response';
/** The route a missed care-alarm deadline is escalated to, when the routes file has it. */
export const CITY_CONTROL_ROUTE = 'city-control';
/**
 * After a missed deadline: escalated to city control 10 minutes later, then reminded
 * every 10 minutes until someone acknowledges. Our choice (no norm found): short
 * enough that an unanswered alarm reaches the control room within the next
 * emergency category's time, long enough for the social service's own answer to a
 * missed-deadline notice to come first.
 */
export const CARE_ALARM_ESCALATE_AFTER_MIN = 10;

/**
 * A pressed social-care alarm must be acknowledged within `responseMinutes`
 * (QALA_CARE_ALARM_RESPONSE_MIN, 30 by default: see config.ts for the norm taken).
 * Missed: a 'deadline-missed' entry told to the social service again; 10 minutes on,
 * escalated to the city control room's route (`city-control`) if the routes file has
 * one, else to the social service once more; then reminded every 10 minutes.
 */
export function careAlarmPolicy(responseMinutes: number, routeNames: readonly string[]): EscalationPolicy {
  return {
    id: CARE_ALARM_POLICY_ID,
    match: { rules: ['care-alarm-pressed'] },
    responseMinutes,
    steps: [{ afterMinutes: responseMinutes + CARE_ALARM_ESCALATE_AFTER_MIN, routes: routeNames.includes(CITY_CONTROL_ROUTE) ? [CITY_CONTROL_ROUTE] : [] }],
    remindEveryMinutes: CARE_ALARM_ESCALATE_AFTER_MIN,
    builtin: true,
  };
}

/** The policies in force: the built-in care-alarm one first (unless the file has its own of that id, which takes its place), then the file's. */
export function withBuiltinPolicies(fromFile: readonly EscalationPolicy[], careAlarmResponseMinutes: number, routeNames: readonly string[]): EscalationPolicy[] {
  const own = fromFile.find((p) => p.id === CARE_ALARM_POLICY_ID);
  return [own ?? careAlarmPolicy(careAlarmResponseMinutes, routeNames), ...fromFile.filter((p) => p !== own)];
}

/** What the escalator needs of the incident manager. */
export interface EscalationTarget {
  list(f: { state: 'open'; limit: number }): Incident[];
  escalate(id: string, step: number, routes: string[], escalation: IncidentEscalation): Incident;
  missDeadline(id: string, escalation: IncidentEscalation): Incident;
  remind(id: string, routes: string[], escalation: IncidentEscalation): Incident;
  planEscalation(id: string, escalation: IncidentEscalation): void;
}

export interface EscalatorDeps {
  policies: readonly EscalationPolicy[];
  clock: Clock;
  /** how often unacknowledged incidents are checked (QALA_ESCALATION_CHECK_MS) */
  checkMs: number;
  silences?: SilenceMatcher;
  audit?: AuditSink;
  log?: Pick<Logger, 'error'>;
}

/** Plans an incident's escalation when it opens: the first step is due `afterMinutes` later. */
export class EscalationPlan implements EscalationPlanner {
  constructor(readonly policies: readonly EscalationPolicy[]) {}

  plan(incident: Incident, now: number): IncidentEscalation | undefined {
    const p = policyFor(this.policies, incident);
    if (!p) return undefined;
    return { policy: p.id, step: 0, reminders: 0, nextAt: now + p.steps[0]!.afterMinutes * MINUTE, ...(p.responseMinutes !== undefined ? { deadlineAt: now + p.responseMinutes * MINUTE } : {}) };
  }
}

export class Escalator {
  readonly #deps: EscalatorDeps;
  readonly #target: EscalationTarget;
  readonly #plan: EscalationPlan;
  #timer: Timer | undefined;
  readonly #stats = { escalated: 0, reminded: 0, deadlinesMissed: 0, skippedSilenced: 0, errors: 0 };

  constructor(deps: EscalatorDeps, target: EscalationTarget) {
    this.#deps = deps;
    this.#target = target;
    this.#plan = new EscalationPlan(deps.policies);
  }

  get planner(): EscalationPlanner {
    return this.#plan;
  }

  stats() {
    return { policies: this.#deps.policies.length, ...this.#stats };
  }

  async start(): Promise<void> {
    if (this.#deps.policies.length === 0) return;
    this.#timer = this.#deps.clock.setInterval(() => this.check(), this.#deps.checkMs);
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Takes every step that has fallen due. */
  check(): void {
    const now = this.#deps.clock.now();
    for (const inc of this.#target.list({ state: 'open', limit: Number.MAX_SAFE_INTEGER })) {
      try {
        this.#step(inc, now);
      } catch (err) {
        this.#stats.errors++;
        this.#deps.log?.error({ err, incident: inc.id }, 'escalation step failed');
      }
    }
  }

  #step(inc: Incident, now: number): void {
    const esc = inc.escalation;
    if (!esc) {
      // opened before its policy was configured: its steps count from now
      const plan = this.#plan.plan(inc, now);
      if (plan) this.#target.planEscalation(inc.id, plan);
      return;
    }
    const deadlineDue = esc.deadlineAt !== undefined && esc.deadlineMissedAt === undefined && esc.deadlineAt <= now;
    const stepDue = esc.nextAt !== undefined && esc.nextAt <= now;
    if (!deadlineDue && !stepDue) return;
    const policy = this.#deps.policies.find((p) => p.id === esc.policy);
    if (!policy) return; // its policy was removed from the file: nothing more is due
    if (this.#deps.silences?.matching(inc, now)) {
      this.#stats.skippedSilenced++;
      return;
    }
    if (deadlineDue) {
      this.#target.missDeadline(inc.id, { ...esc, deadlineMissedAt: now });
      this.#stats.deadlinesMissed++;
      this.#deps.audit?.record({ who: 'system:escalation', action: 'incident.deadline-missed', outcome: 'ok', detail: { id: inc.id, policy: policy.id, deadlineAt: esc.deadlineAt } });
      if (!stepDue) return;
    }
    this.#takeStep(inc.id, { ...esc, ...(deadlineDue ? { deadlineMissedAt: now } : {}) }, policy, now, inc.escalatedTo ?? []);
  }

  /** The next step of the policy, or a reminder once its steps are all taken. */
  #takeStep(id: string, esc: IncidentEscalation, policy: EscalationPolicy, now: number, escalatedTo: string[]): void {
    const step = policy.steps[esc.step];
    if (step) {
      const next = policy.steps[esc.step + 1];
      const nextAt = next ? now + (next.afterMinutes - step.afterMinutes) * MINUTE : policy.remindEveryMinutes > 0 ? now + policy.remindEveryMinutes * MINUTE : undefined;
      const taken: IncidentEscalation = { ...esc, step: esc.step + 1 };
      if (nextAt !== undefined) taken.nextAt = nextAt;
      else delete taken.nextAt;
      this.#target.escalate(id, esc.step + 1, step.routes, taken);
      this.#stats.escalated++;
      this.#deps.audit?.record({ who: 'system:escalation', action: 'incident.escalate', outcome: 'ok', detail: { id, policy: policy.id, step: esc.step + 1, routes: step.routes } });
      return;
    }
    if (policy.remindEveryMinutes <= 0) return;
    this.#target.remind(id, escalatedTo, { ...esc, reminders: esc.reminders + 1, nextAt: now + policy.remindEveryMinutes * MINUTE });
    this.#stats.reminded++;
  }
}
