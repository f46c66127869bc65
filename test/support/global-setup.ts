import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDemoModel, loadToolchain, REPO_ROOT, startStack, type Stack } from '../../infra/src';

declare module 'vitest' {
  export interface ProvidedContext {
    webUrl: string;
    stackEnv: Record<string, string>;
  }
}

/**
 * Starts the real platform once for the integration suite: embedded Postgres, Temporal dev
 * server (in memory), the pipeline worker and the built web app, each on a free port, with
 * data in a fresh directory. The processes' output goes to .data/test-stack.log
 * (TEST_STACK_LOG=1 also prints it).
 */
let stack: Stack | undefined;

export default async function setup(project: TestProject) {
  const dataDir = join(REPO_ROOT, '.data', 'test-stack');
  await rm(dataDir, { recursive: true, force: true });
  const verbose = process.env.TEST_STACK_LOG === '1';
  await mkdir(dataDir, { recursive: true });
  const logFile = createWriteStream(join(REPO_ROOT, '.data', 'test-stack.log'));
  const started = Date.now();
  ensureDemoModel(loadToolchain().python, (line) => logFile.write(`[demo-model] ${line}\n`));
  stack = await startStack({
    dataDir,
    persistTemporal: false,
    processes: { pipelineWorker: true, gpuWorker: true, web: true },
    webDistDir: '.next-test',
    log: (source, line) => {
      logFile.write(`[${source}] ${line}\n`);
      if (verbose) console.log(`[${source}] ${line}`);
    },
  });
  console.log(`[test stack] ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${stack.urls.web} (log: .data/test-stack.log)`);
  project.provide('webUrl', stack.urls.web);
  project.provide('stackEnv', stack.env);
  return async () => {
    await stack?.stop();
    logFile.end();
  };
}
