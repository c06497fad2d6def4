// The rules service: feeds accepted readings to the engine, sweeps its timers on
// the clock, reloads the rule file when it changes, and emits each signal on the
// event bus (incidents listen; the two never import each other).
import type { Logger } from 'pino';
import type { AuditSink, Clock, Timer } from '../contracts/index.ts';
import type { EventBus } from '../events.ts';
import type { TownContext } from './conditions.ts';
import { RulesEngine } from './engine.ts';
import { RuleWatcher } from './loader.ts';
import { replaySeason, type SeasonHistory } from './season-history.ts';

export interface RulesServiceDeps {
  events: EventBus;
  rulesFile: string;
  sweepMs: number;
  clock: Clock;
  log: Logger;
  audit?: AuditSink;
  /** the town's climate and local time (heating chart, night windows) */
  town?: Partial<TownContext>;
  /** the outdoor temperatures stored before this start, so the heating season survives a restart */
  seasonHistory?: SeasonHistory;
}

const OWNER = 'rules';

export class RulesService {
  readonly engine: RulesEngine;
  readonly watcher: RuleWatcher;
  readonly #deps: RulesServiceDeps;
  #timer: Timer | undefined;

  constructor(deps: RulesServiceDeps) {
    this.#deps = deps;
    this.engine = new RulesEngine({ onSignal: (s) => deps.events.emit('ruleSignalled', s), ...(deps.town ? { town: deps.town } : {}) });
    this.watcher = new RuleWatcher({ path: deps.rulesFile, log: deps.log, clock: deps.clock, apply: (rules) => this.engine.setRules(rules), ...(deps.audit ? { audit: deps.audit } : {}) });
  }

  async start(): Promise<void> {
    await this.watcher.start();
    // before the first reading: the replay is the older part of the days the readings continue
    if (this.#deps.seasonHistory) await this.#replaySeason(this.#deps.seasonHistory);
    this.#deps.events.on('readingAccepted', OWNER, (r) => this.engine.handle(r));
    this.#timer = this.#deps.clock.setInterval(() => this.engine.sweep(this.#deps.clock.now()), this.#deps.sweepMs);
  }

  async #replaySeason(history: SeasonHistory): Promise<void> {
    const { log } = this.#deps;
    try {
      const replayed = await replaySeason(history, this.engine.town.utcOffsetMinutes, (ts, mean, count) => this.engine.replayOutdoor(ts, mean, count));
      if (replayed.hours > 0) log.info({ ...replayed, heatingSeason: this.engine.stats().heatingSeason }, 'heating season rebuilt from the stored outdoor temperatures');
    } catch (err) {
      // the rules still start: the season is then judged from the readings to come, as on a first start
      log.warn({ err }, 'could not read the stored outdoor temperatures; the heating season starts from the readings to come');
    }
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#deps.events.removeListeners(OWNER);
    await this.watcher.stop();
  }
}
