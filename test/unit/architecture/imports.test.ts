// The import graph of the source tree: no circle anywhere, contracts a leaf that
// imports only devices/, the dashboard importing only contracts and devices/.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCES = ['devices', 'services', 'simulator', 'dashboards/src', 'bench', 'infra'];

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** file → the project files it imports (type-only imports and re-exports included). */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const spec = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const f of SOURCES.flatMap(files)) {
    const text = readFileSync(join(ROOT, f), 'utf8');
    const deps = [...text.matchAll(spec)].map((m) => relative(ROOT, resolve(ROOT, dirname(f), m[1]!)));
    graph.set(f, deps);
  }
  return graph;
}

/** Every circle in a graph (strongly connected components of more than one file, or a self-import). */
export function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('import graph', () => {
  const graph = importGraph();

  it('reads the whole source tree', () => {
    expect(graph.size).toBeGreaterThan(60);
    expect(graph.get('services/platform.ts')).toContain('services/intake/intake.ts');
  });

  it('has no import circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('finds a circle when there is one (the check can fail)', () => {
    const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(circles(g)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('keeps contracts a leaf that imports only devices/', () => {
    const bad = [...graph].filter(([f]) => f.startsWith('services/contracts/')).flatMap(([f, deps]) => deps.filter((d) => !d.startsWith('services/contracts/') && !d.startsWith('devices/')).map((d) => `${f} → ${d}`));
    expect(bad).toEqual([]);
  });

  it('lets the dashboard import only contracts and devices/', () => {
    const bad = [...graph].filter(([f]) => f.startsWith('dashboards/')).flatMap(([f, deps]) => deps.filter((d) => !d.startsWith('dashboards/') && !d.startsWith('services/contracts/') && !d.startsWith('devices/')).map((d) => `${f} → ${d}`));
    expect(bad).toEqual([]);
  });

  it('keeps devices/ free of anything but itself', () => {
    const bad = [...graph].filter(([f]) => f.startsWith('devices/')).flatMap(([f, deps]) => deps.filter((d) => !d.startsWith('devices/')).map((d) => `${f} → ${d}`));
    expect(bad).toEqual([]);
  });

  it('keeps rules and incidents out of each other', () => {
    const cross = [...graph].flatMap(([f, deps]) =>
      deps.filter((d) => (f.startsWith('services/rules/') && d.startsWith('services/incidents/')) || (f.startsWith('services/incidents/') && d.startsWith('services/rules/'))).map((d) => `${f} → ${d}`),
    );
    expect(cross).toEqual([]);
  });
});
