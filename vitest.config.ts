import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // releases what the test helpers acquired (temp dirs, brokers, platforms, browsers, child processes)
    setupFiles: ['test/setup.ts'],
    // a guard against a hang, not a measure: tests that spawn `qala` share CI's two cores
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // integration tests bind real ports and files; keep them from starving each other on 2 cores
    fileParallelism: true,
    maxWorkers: 2,
  },
});
