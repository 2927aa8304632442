import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.test.ts'],
    pool: 'forks',
    // Generous: some tests start processes and browsers, and CI machines are small and busy.
    // A timeout here only catches hangs; speed is measured in benchmarks, never in tests.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    // The browser tests start their own server and browser; keep the rest of the suite from starving them.
    fileParallelism: true,
  },
})
