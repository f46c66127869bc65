import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDemoModel, loadToolchain, REPO_ROOT, startStack, StartupError, type Stack } from '../../infra/src';

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
 * (TEST_STACK_LOG=1 also prints it). A service that does not come up fails the setup with its
 * name, what was awaited and its last output lines, printed in full to stderr.
 */
let stack: Stack | undefined;

export default async function setup(project: TestProject) {
  const dataDir = join(REPO_ROOT, '.data', 'test-stack');
  await rm(dataDir, { recursive: true, force: true });
  const verbose = process.env.TEST_STACK_LOG === '1';
  await mkdir(dataDir, { recursive: true });
  const logFile = createWriteStream(join(REPO_ROOT, '.data', 'test-stack.log'));
  const started = Date.now();
  try {
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
  } catch (err) {
    // Vitest shortens a global setup's error; print all of it (which service, what was awaited,
    // its last output lines) before handing it on.
    const message = err instanceof StartupError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`\n[test stack] failed to start after ${((Date.now() - started) / 1000).toFixed(1)}s (full log: .data/test-stack.log):\n${message}\n\n`);
    await new Promise<void>((resolve) => logFile.end(resolve));
    throw err;
  }
  console.log(`[test stack] ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${stack.urls.web} (log: .data/test-stack.log)`);
  project.provide('webUrl', stack.urls.web);
  project.provide('stackEnv', stack.env);
  return async () => {
    await stack?.stop();
    logFile.end();
  };
}
