// Prometheus' own linter for the exposition format: `promtool check metrics` reads
// a scrape on stdin, exits 1 when it does not parse and 3 when it parses but has lint
// problems, one per line (Debian's `prometheus` package ships it;
// infra/install-test-deps.sh installs it).
import { spawnSync } from 'node:child_process';

/** promtool's path, or undefined when it is not installed (the tests that need it say so and skip). */
export function promtool(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

export const PROMTOOL_MISSING = 'promtool is not installed (Debian package prometheus; run infra/install-test-deps.sh)';

/**
 * prom-client's default metrics name three gauges with a _total suffix, which the lint
 * flags; they keep prom-client's names, which the usual Node.js dashboards query.
 */
export const PROM_CLIENT_LINT = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'].map(
  (n) => `${n} non-counter metrics should not have "_total" suffix`,
);

/** What promtool says about a scrape: whether it parsed, and its lint problems but prom-client's known ones. */
export function checkMetrics(text: string): { parsed: boolean; problems: string[]; output: string } {
  const r = spawnSync(promtool() ?? 'promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  const output = `${r.stdout}${r.stderr}`;
  const parsed = r.status === 0 || r.status === 3;
  return { parsed, output, problems: output.split('\n').filter((l) => l.trim() && !PROM_CLIENT_LINT.includes(l.trim())) };
}
