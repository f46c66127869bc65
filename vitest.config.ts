import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Vitest's order, except that the integration suite's log scan runs after every other file (it reads their logs). */
class LogScanLast extends BaseSequencer {
  override async sort(files: TestSpecification[]) {
    const sorted = await super.sort(files);
    const last = (f: TestSpecification) => f.project.name === 'integration' && f.moduleId.endsWith('/test/e2e/logs.test.ts');
    return [...sorted.filter((f) => !last(f)), ...sorted.filter(last)];
  }
}

// Three projects: fast unit tests next to each package, cross-room contract tests, and the
// integration suite in test/ that runs against the real stack (Postgres, Temporal, workers, web) started once.
export default defineConfig({
  test: {
    sequence: { sequencer: LogScanLast },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'workers/*/test/**/*.test.ts', 'apps/cli/test/**/*.test.ts', 'infra/test/**/*.test.ts', 'bench/load/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        // Cross-room checks that need no running stack (e.g. every stage has a panel, a CLI line,
        // an OpenAPI schema and a trainer verb); imports web components, hence the alias.
        resolve: { alias: { '@': fileURLToPath(new URL('./apps/web', import.meta.url)) } },
        test: {
          name: 'contract',
          include: ['test/contract/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/contract/**'],
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
