// Rule thresholds per kind and metric, read from the loaded rule set (GET
// /api/rules), so a chart draws the line at which a rule raises.
interface RuleLike {
  match?: { kinds?: string[] };
  when?: unknown;
}

/** "kind.metric" → the values of every `threshold` condition (below/above) of the rules matching the kind. */
export function ruleThresholds(rules: readonly unknown[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const visit = (node: unknown, kinds: string[]) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((n) => visit(n, kinds));
    const o = node as Record<string, unknown>;
    const th = o.threshold as { metric?: string; below?: number; above?: number } | undefined;
    if (th && typeof th.metric === 'string') {
      for (const kind of kinds) {
        const key = `${kind}.${th.metric}`;
        const list = out.get(key) ?? [];
        for (const v of [th.below, th.above]) if (typeof v === 'number' && !list.includes(v)) list.push(v);
        out.set(key, list);
      }
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'threshold') visit(v, kinds);
  };
  for (const r of rules as RuleLike[]) visit(r.when, r.match?.kinds ?? []);
  return out;
}
