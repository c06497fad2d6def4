// Loads a rule file (YAML or JSON), and watches it: a change is validated and swapped
// in without a restart; a bad file is refused with its path and reason while the
// previous rule set stays live.
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { QalaError } from '../contracts/errors.ts';
import type { AuditSink, Clock, Timer } from '../contracts/index.ts';
import { ruleFileSchema, type Rule } from './schema.ts';

export const BUILTIN_RULES = fileURLToPath(new URL('./builtin-rules.yaml', import.meta.url));

export function parseRules(text: string, source: string): Rule[] {
  let doc: unknown;
  try {
    doc = source.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new QalaError('ERR_RULES_INVALID', `${source}: not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { cause: err });
  }
  const r = ruleFileSchema.safeParse(doc);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new QalaError('ERR_RULES_INVALID', `${source} is invalid:\n  ${lines.join('\n  ')}`);
  }
  return r.data.rules;
}

export async function loadRules(path: string): Promise<Rule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new QalaError('ERR_RULES_INVALID', `rule file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseRules(text, path);
}

export interface RuleWatcherDeps {
  path: string;
  log: Logger;
  apply: (rules: Rule[]) => void;
  clock: Clock;
  /** every rule set taken or refused is audited (the first load too) */
  audit?: AuditSink;
  debounceMs?: number;
}

export interface RuleSetStatus {
  path: string;
  loadedAt: number | null;
  rules: number;
  lastError: string | null;
}

export class RuleWatcher {
  readonly #deps: RuleWatcherDeps;
  #watcher: FSWatcher | undefined;
  #timer: Timer | undefined;
  readonly #status: RuleSetStatus;

  constructor(deps: RuleWatcherDeps) {
    this.#deps = deps;
    this.#status = { path: deps.path, loadedAt: null, rules: 0, lastError: null };
  }

  status(): RuleSetStatus {
    return { ...this.#status };
  }

  /** The first load must succeed: a platform does not start with a broken rule file. */
  async start(): Promise<void> {
    await this.reload(true);
    this.#watcher = watch(this.#deps.path, () => {
      this.#timer?.cancel();
      this.#timer = this.#deps.clock.setTimeout(() => void this.reload(false), this.#deps.debounceMs ?? 200);
    });
  }

  async reload(strict: boolean): Promise<boolean> {
    try {
      const rules = await loadRules(this.#deps.path);
      this.#deps.apply(rules);
      Object.assign(this.#status, { loadedAt: this.#deps.clock.now(), rules: rules.length, lastError: null });
      this.#deps.log.info({ path: this.#deps.path, rules: rules.length }, 'rules loaded');
      this.#deps.audit?.record({ who: 'platform', action: strict ? 'rules.load' : 'rules.reload', outcome: 'ok', detail: { path: this.#deps.path, rules: rules.length, ids: rules.map((r) => r.id).slice(0, 200) } });
      return true;
    } catch (err) {
      this.#deps.audit?.record({ who: 'platform', action: strict ? 'rules.load' : 'rules.reload', outcome: 'refused', detail: { path: this.#deps.path, error: (err as Error).message.slice(0, 2000) } });
      if (strict) throw err;
      this.#status.lastError = (err as Error).message;
      this.#deps.log.error({ path: this.#deps.path, err: (err as Error).message }, 'rule file refused; the previous rules stay live');
      return false;
    }
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#watcher?.close();
  }
}
