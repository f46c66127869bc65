import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests next to each package, and the integration suite in test/
// that runs against the real stack (Postgres, Temporal, workers, web) started once.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'workers/*/test/**/*.test.ts', 'apps/cli/test/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
