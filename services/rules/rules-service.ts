// The rules service: feeds accepted readings to the engine, sweeps its timers on
// the clock, reloads the rule file when it changes, and hands signals to incidents.
import type { Logger } from 'pino';
import type { EventBus } from '../events.ts';
import type { IncidentManager } from '../incidents/incidents.ts';
import { RulesEngine } from './engine.ts';
import { RuleWatcher } from './loader.ts';

export interface RulesServiceDeps {
  events: EventBus;
  incidents: IncidentManager;
  rulesFile: string;
  sweepMs: number;
  now: () => number;
  log: Logger;
}

export class RulesService {
  readonly engine: RulesEngine;
  readonly watcher: RuleWatcher;
  readonly #deps: RulesServiceDeps;
  #off: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: RulesServiceDeps) {
    this.#deps = deps;
    this.engine = new RulesEngine({ onSignal: (s) => deps.incidents.signal(s) });
    this.watcher = new RuleWatcher({ path: deps.rulesFile, log: deps.log, apply: (rules) => this.engine.setRules(rules) });
  }

  autoResolves(ruleId: string): boolean {
    return this.engine.rules().find((r) => r.id === ruleId)?.autoResolve ?? true;
  }

  async start(): Promise<void> {
    await this.watcher.start();
    this.#off = this.#deps.events.on('readingAccepted', 'rules', (r) => this.engine.handle(r));
    this.#timer = setInterval(() => this.engine.sweep(this.#deps.now()), this.#deps.sweepMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#off?.();
    await this.watcher.stop();
  }
}
