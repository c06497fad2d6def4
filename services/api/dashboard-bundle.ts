// Bundles the dashboard (TypeScript + chart.js + Leaflet) for the browser with
// esbuild, once, in memory: `npm start` needs no separate build step. The map
// library's styles are bundled the same way (its images inlined), so the page
// loads nothing from anywhere but the platform.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const entry = fileURLToPath(new URL('../../dashboards/src/main.ts', import.meta.url));
const cssEntry = fileURLToPath(new URL('../../dashboards/src/vendor.css', import.meta.url));

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

/** The styles of the libraries the page uses (Leaflet, its marker clusters), one file. */
export async function bundleDashboardCss(): Promise<string> {
  const result = await build({
    entryPoints: [cssEntry],
    bundle: true,
    minify: true,
    write: false,
    logLevel: 'silent',
    loader: { '.png': 'dataurl', '.svg': 'dataurl' },
  });
  return result.outputFiles[0]!.text;
}
