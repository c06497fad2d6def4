import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // integration tests bind real ports and files; keep them from starving each other on 2 cores
    fileParallelism: true,
    maxWorkers: 2,
  },
});
