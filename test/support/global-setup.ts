import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { REPO_ROOT, startStack, type Stack } from '../../infra/src';

declare module 'vitest' {
  export interface ProvidedContext {
    webUrl: string;
    stackEnv: Record<string, string>;
  }
}

/**
 * Starts the real platform once for the integration suite: embedded Postgres, Temporal dev
 * server (in memory), the pipeline worker and the built web app, each on a free port, with
 * data in a fresh directory. Set TEST_STACK_LOG=1 to see the processes' output.
 */
let stack: Stack | undefined;

export default async function setup(project: TestProject) {
  const dataDir = join(REPO_ROOT, '.data', 'test-stack');
  await rm(dataDir, { recursive: true, force: true });
  const verbose = process.env.TEST_STACK_LOG === '1';
  const started = Date.now();
  stack = await startStack({
    dataDir,
    persistTemporal: false,
    processes: { pipelineWorker: true, gpuWorker: false, web: true },
    webDistDir: '.next-test',
    log: (source, line) => {
      if (verbose || /error|fatal|panic|exited/i.test(line)) console.log(`[${source}] ${line}`);
    },
  });
  console.log(`[test stack] ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${stack.urls.web}`);
  project.provide('webUrl', stack.urls.web);
  project.provide('stackEnv', stack.env);
  return async () => {
    await stack?.stop();
  };
}
