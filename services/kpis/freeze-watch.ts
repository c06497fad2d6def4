// Keeps the time to freeze on every heating outage's incident: estimated when the
// incident opens (the incident manager asks `estimate`), and estimated anew on the
// injected clock whenever the district's outdoor temperature has moved by
// FREEZE_RESTIMATE_C since the last estimate, so a cold snap during an outage
// brings its limit forward and the utility hears of it (the change is announced on
// MQTT and the webhook like any incident change). The model is freeze.ts'.
import type { Logger } from 'pino';
import type { Clock, DeviceState, Incident, IncidentFreeze, Timer } from '../contracts/index.ts';
import { isHeatingOutage, nextFreeze, outdoorTemperature } from './freeze.ts';
import { restoredAt } from './interruptions.ts';

/**
 * How far the outdoor temperature must move before the estimate is made again:
 * 0.5 °C. A substation's outdoor sensor reads to 0.1 °C and wanders by a few tenths
 * within an hour; at −25 °C and τ = 40 h half a degree moves the limit by about
 * 6 minutes in 8 hours, below what a crew's priority depends on, so smaller changes
 * are not worth a notification.
 */
export const FREEZE_RESTIMATE_C = 0.5;

/** What the watch needs of the incident manager. */
export interface FreezeTarget {
  list(f: { state: 'unresolved'; limit: number }): Incident[];
  estimateFreeze(id: string, freeze: IncidentFreeze): Incident;
}

export interface FreezeWatchDeps {
  clock: Clock;
  /** how often open heating outages are looked at (QALA_FREEZE_CHECK_MS) */
  checkMs: number;
  /** the building stock's thermal time constant, hours (the town's profile) */
  tauH: number;
  directory: { list(): readonly DeviceState[] };
  log?: Pick<Logger, 'error'>;
}

export class FreezeWatch {
  readonly #deps: FreezeWatchDeps;
  readonly #target: () => FreezeTarget;
  #timer: Timer | undefined;
  readonly #stats = { estimated: 0, errors: 0 };

  /** `target` is asked for lazily: the incident manager is built with this watch as its estimator. */
  constructor(deps: FreezeWatchDeps, target: () => FreezeTarget) {
    this.#deps = deps;
    this.#target = target;
  }

  stats() {
    return { ...this.#stats };
  }

  async start(): Promise<void> {
    this.#timer = this.#deps.clock.setInterval(() => this.check(), this.#deps.checkMs);
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** The estimate for an incident now, if it is a heating outage whose district's (or town's) outdoor temperature is known. */
  estimate(incident: Incident, now: number): IncidentFreeze | undefined {
    if (!isHeatingOutage(incident)) return undefined;
    const outdoorC = outdoorTemperature(this.#deps.directory.list(), incident.district) ?? evidenceOutdoor(incident);
    if (outdoorC === undefined) return undefined;
    return nextFreeze(incident.timeToFreeze, incident, outdoorC, this.#deps.tauH, now);
  }

  /** Estimates anew every outage still on whose outdoor temperature moved (or that has no estimate yet). */
  check(): void {
    const now = this.#deps.clock.now();
    const target = this.#target();
    for (const inc of target.list({ state: 'unresolved', limit: Number.MAX_SAFE_INTEGER })) {
      if (!isHeatingOutage(inc) || restoredAt(inc) !== undefined) continue;
      try {
        const next = this.estimate(inc, now);
        if (!next) continue;
        const prev = inc.timeToFreeze;
        if (prev && Math.abs(next.outdoorC - prev.outdoorC) < FREEZE_RESTIMATE_C) continue;
        target.estimateFreeze(inc.id, next);
        this.#stats.estimated++;
      } catch (err) {
        this.#stats.errors++;
        this.#deps.log?.error({ err, incident: inc.id }, 'time to freeze: estimate failed');
      }
    }
  }
}

/** The outdoor temperature the rule saw, when the directory has none (the evidence's latest). */
function evidenceOutdoor(i: Incident): number | undefined {
  const e = [...i.evidence].reverse().find((x) => Number.isFinite(x.metrics.outdoorTemp));
  return e?.metrics.outdoorTemp;
}
