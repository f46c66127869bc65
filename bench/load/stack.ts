/**
 * The embedded stack for the load benchmark, started the way the integration suite starts it
 * (test/support/global-setup.ts): infra's startStack with every process, the tiny demo model,
 * the seeded demo project and its accounts; the client is the ML engineer's API token, created
 * through the API after a sign-in, as a user would.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDemoModel, loadToolchain, REPO_ROOT, seedDemoAccounts, signIn, startStack, type Stack } from '../../infra/src';

export interface BenchStack {
  stack: Stack;
  webUrl: string;
  /** Bearer token of the demo project's ML engineer. */
  token: string;
  dataDir: string;
  logFile: string;
  /** Builds of the web app live here (apps/web/<dir>), apart from npm start's and the tests'. */
  webDistDir: string;
  stop(): Promise<void>;
}

export const WEB_DIST_DIR = '.next-bench';

export async function startBenchStack(log: (line: string) => void): Promise<BenchStack> {
  const dataDir = join(REPO_ROOT, '.data', 'bench-load');
  const logFile = join(REPO_ROOT, '.data', 'bench-load.log');
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const out = createWriteStream(logFile);
  ensureDemoModel(loadToolchain().python, (line) => out.write(`[demo-model] ${line}\n`));
  log(`starting the embedded stack (data ${dataDir}, process log ${logFile}; builds the web app into apps/web/${WEB_DIST_DIR} if its sources changed)`);
  const started = Date.now();
  const stack = await startStack({
    dataDir,
    persistTemporal: false,
    processes: { pipelineWorker: true, gpuWorker: true, web: true },
    webDistDir: WEB_DIST_DIR,
    log: (source, line) => out.write(`[${source}] ${line}\n`),
  });
  log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${stack.urls.web}`);
  const stop = async () => {
    await stack.stop();
    await new Promise<void>((resolve) => out.end(resolve));
  };
  try {
    const accounts = await seedDemoAccounts(stack.env, dataDir);
    const engineer = accounts.find((a) => a.role === 'ml_engineer')!;
    const cookie = await signIn(stack.urls.web, engineer.email, engineer.password);
    const res = await fetch(`${stack.urls.web}/api/v1/tokens`, {
      method: 'POST',
      headers: { cookie, origin: stack.urls.web, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'load benchmark', project: 'demo', role: 'ml_engineer', expiresInDays: 1 }),
    });
    const body = (await res.json()) as { token?: string; error?: { message: string } };
    if (!body.token) throw new Error(`could not create the benchmark's API token: HTTP ${res.status} ${body.error?.message}`);
    return { stack, webUrl: stack.urls.web, token: body.token, dataDir, logFile, webDistDir: WEB_DIST_DIR, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
