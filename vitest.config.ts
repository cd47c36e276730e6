import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests spawn real servers and CLI processes; two workers match the 2-core machines.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
