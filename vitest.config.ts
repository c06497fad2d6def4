import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // releases what the test helpers acquired (temp dirs, brokers, platforms, browsers, child processes)
    setupFiles: ['test/setup.ts'],
    // a guard against a hang, not a measure: tests that spawn `qala` share CI's two cores
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // (no `include` here: a project that extends this config would add its own to it)
    projects: [
      // unit and integration files two at a time (integration files bind real ports and
      // files and spawn children, so more would starve each other on two cores)
      { extends: true, test: { name: 'unit+integration', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/e2e/**'], maxWorkers: 2, sequence: { groupOrder: 0 } } },
      // then the browser files one at a time: each runs chromium (several processes), a
      // platform and a simulated town, and two of them beside each other (and beside the
      // integration files) made their beforeAll run past its timeout on CI
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
