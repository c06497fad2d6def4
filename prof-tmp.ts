import { runRulesTest } from './services/cli/rules-test.ts';
import { BUILTIN_RULES } from './services/rules/loader.ts';
const r = await runRulesTest({ rulesFile: BUILTIN_RULES, scenario: 'temirtau', seed: 42, start: Date.parse('2026-01-15T00:00:00+05:00'), durationMs: 4 * 3600_000, intervalMs: 10_000, scale: 1, faultRate: 50, hardCases: 1 });
console.log(r.readings, r.wallMs);
