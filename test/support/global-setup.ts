import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { ProjectRole } from '@refinery/core';
import { ensureDemoModel, freePort, loadToolchain, REPO_ROOT, seedDemoAccounts, signIn, startStack, StartupError, type DemoAccount, type Stack } from '../../infra/src';
import { SSO_GROUP_ROLES, startOidcProvider, type RunningOidcProvider } from './oidc-provider';
import { OPENLINEAGE_TEST_API_KEY } from './openlineage';
import { startOtlpReceiver, type RunningOtlpReceiver } from './otlp-receiver';

declare module 'vitest' {
  export interface ProvidedContext {
    webUrl: string;
    stackEnv: Record<string, string>;
    /** The seeded demo accounts (project "demo"), one per role. */
    accounts: DemoAccount[];
    /** An API token per role in project "demo", created through the API by that role's account. */
    tokens: Record<ProjectRole, string>;
    /** A signed-in session cookie per role (the admin is also the instance admin). */
    sessions: Record<ProjectRole, string>;
    /** The loopback OpenID Provider the stack's SSO is configured with. */
    oidcIssuer: string;
    /** The loopback port REFINERY_OPENLINEAGE_URL points at; nothing listens there until a test starts a server. */
    openlineagePort: number;
    /** The JSON Lines file the test stack's OTLP receiver appends every span to (test/support/otlp-receiver.ts). */
    otlpSpansFile: string;
    /** This run's process log (every process's stdout/stderr lines as `[source] line`); test/e2e/logs.test.ts scans it last. */
    stackLogFile: string;
    /** Each process's /metrics URL by process name (web, pipeline, gpu); scrapes send stackEnv.REFINERY_METRICS_TOKEN. */
    metricsUrls: Record<string, string>;
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
/** The Temporal Web UI origin the test stack's codec endpoint allows (CORS). */
const TEMPORAL_UI_TEST_ORIGIN = 'http://127.0.0.1:8233';
let oidc: RunningOidcProvider | undefined;
let openlineagePort = 0;
let otlp: RunningOtlpReceiver | undefined;

export default async function setup(project: TestProject) {
  const dataDir = join(REPO_ROOT, '.data', 'test-stack');
  await rm(dataDir, { recursive: true, force: true });
  const verbose = process.env.TEST_STACK_LOG === '1';
  await mkdir(dataDir, { recursive: true });
  const stackLogFile = join(REPO_ROOT, '.data', 'test-stack.log');
  const logFile = createWriteStream(stackLogFile);
  const otlpSpansFile = join(dataDir, 'otlp-spans.jsonl');
  const started = Date.now();
  try {
    ensureDemoModel(loadToolchain().python, (line) => logFile.write(`[demo-model] ${line}\n`));
    const webPort = await freePort();
    // OpenLineage delivery goes to a port where nothing listens (every event fails fast and waits
    // in the dead-letter table) until test/e2e/openlineage.test.ts listens there and redelivers.
    openlineagePort = await freePort();
    oidc = await startOidcProvider(await freePort(), `http://127.0.0.1:${webPort}/api/auth/callback/sso`);
    // Every process (web, workers, the trainer) exports its spans here, as in production to a collector.
    otlp = await startOtlpReceiver(loadToolchain().python, otlpSpansFile, (line) => logFile.write(`[otlp-receiver] ${line}\n`));
    stack = await startStack({
      dataDir,
      webPort,
      extraEnv: {
        REFINERY_OIDC_ISSUER: oidc.issuer,
        REFINERY_OIDC_CLIENT_ID: oidc.clientId,
        REFINERY_OIDC_CLIENT_SECRET: oidc.clientSecret,
        REFINERY_OIDC_GROUP_ROLES: JSON.stringify(SSO_GROUP_ROLES),
        // The stack's Temporal runs headless; the codec endpoint's CORS is tested against this origin.
        REFINERY_TEMPORAL_UI_ORIGIN: TEMPORAL_UI_TEST_ORIGIN,
        REFINERY_OPENLINEAGE_URL: `http://127.0.0.1:${openlineagePort}/api/v1/lineage`,
        REFINERY_OPENLINEAGE_API_KEY: OPENLINEAGE_TEST_API_KEY,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '1000', // batches leave within a second, so a test finds a run's spans soon after it ends
        // The run page and API link a run's trace through it (test/e2e/traces.test.ts checks the link).
        REFINERY_TRACE_URL_TEMPLATE: 'http://127.0.0.1:16686/trace/{traceId}',
      },
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
    await oidc?.stop();
    await otlp?.stop();
    process.stderr.write(`\n[test stack] failed to start after ${((Date.now() - started) / 1000).toFixed(1)}s (full log: .data/test-stack.log):\n${message}\n\n`);
    await new Promise<void>((resolve) => logFile.end(resolve));
    throw err;
  }
  console.log(`[test stack] ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${stack.urls.web} (log: .data/test-stack.log)`);
  const accounts = await seedDemoAccounts(stack.env, dataDir);
  project.provide('webUrl', stack.urls.web);
  project.provide('stackEnv', stack.env);
  project.provide('accounts', accounts);
  const { tokens, sessions } = await credentialsPerRole(stack.urls.web, accounts);
  project.provide('tokens', tokens);
  project.provide('sessions', sessions);
  project.provide('oidcIssuer', oidc.issuer);
  project.provide('openlineagePort', openlineagePort);
  project.provide('otlpSpansFile', otlpSpansFile);
  project.provide('stackLogFile', stackLogFile);
  project.provide('metricsUrls', stack.urls.metrics);
  return async () => {
    await stack?.stop();
    await oidc?.stop();
    await otlp?.stop(); // after the processes: their last batches arrive on shutdown
    logFile.end();
  };
}

/** Each role's account signs in and creates a token with its own role, as a user would. */
async function credentialsPerRole(webUrl: string, accounts: DemoAccount[]) {
  const tokens: Partial<Record<ProjectRole, string>> = {};
  const sessions: Partial<Record<ProjectRole, string>> = {};
  for (const [i, a] of accounts.entries()) {
    // One client address per sign-in, so the suites' own sign-ins stay under the per-client limit.
    const cookie = await signIn(webUrl, a.email, a.password, { 'x-forwarded-for': `10.0.0.${i + 1}` });
    sessions[a.role] = cookie;
    const res = await fetch(`${webUrl}/api/v1/tokens`, {
      method: 'POST',
      headers: { cookie, origin: webUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `tests (${a.role})`, project: 'demo', role: a.role, expiresInDays: 1 }),
    });
    const body = (await res.json()) as { token?: string; error?: { message: string } };
    if (!body.token) throw new Error(`could not create the ${a.role} test token: HTTP ${res.status} ${body.error?.message}`);
    tokens[a.role] = body.token;
  }
  return { tokens: tokens as Record<ProjectRole, string>, sessions: sessions as Record<ProjectRole, string> };
}
