import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

// Layers, so the inner loop runs in seconds: `unit` (pure functions, no database, no browser:
// files named *.unit.test.ts), `integration` (services, HTTP and the CLI against the test
// database, PGlite or TEST_DATABASE_URL), `own-data-directory` (processes over their own embedded
// data directories) and `e2e` (the browser). `npm test` runs them all.
const UNIT = ['src/**/*.unit.test.ts', 'test/**/*.unit.test.ts']
// Tests that never use the test database: they run the CLI binary or PGlite over data
// directories of their own. They run once, in `npm test`; CI's second pass of the integration
// layer on PostgreSQL would only repeat them.
const OWN_DATA_DIRECTORY = [
  'test/cli.test.ts',
  'src/cli/import-api.test.ts',
  'src/db/data-directory-lock.test.ts',
  'src/brokerage/requests/migration.test.ts',
]

export default defineConfig({
  test: {
    pool: 'forks',
    // One worker per core. Vitest keeps one core for itself by default, but its main process is
    // mostly idle while database-backed files run, so on a two-core machine that halves the run.
    maxWorkers: availableParallelism(),
    // Generous: some tests start processes and browsers, and CI machines are small and busy.
    // A timeout here only catches hangs; speed is measured in benchmarks, never in tests.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...UNIT, ...OWN_DATA_DIRECTORY],
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/compose-events.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'own-data-directory',
          include: OWN_DATA_DIRECTORY,
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/compose-events.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/compose-events.ts'],
        },
      },
    ],
  },
})
