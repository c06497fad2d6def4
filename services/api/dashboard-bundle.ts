// Bundles the dashboard (TypeScript + chart.js) for the browser with esbuild, once,
// in memory: `npm start` needs no separate build step.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const entry = fileURLToPath(new URL('../../dashboards/src/main.ts', import.meta.url));

export async function bundleDashboard(): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
