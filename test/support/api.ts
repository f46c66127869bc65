import { inject } from 'vitest';
import type { Client } from '@temporalio/client';
import { TEMPORAL_CONFIG_KEYS, temporalClientFromConfig } from '@refinery/temporal';
import { isTerminalRunStatus, loadConfig, type ProjectRole, type RunDetail } from '@refinery/core';

export const webUrl = () => inject('webUrl');
export const stackEnv = () => inject('stackEnv');
export const tokenFor = (role: ProjectRole) => inject('tokens')[role];
/**
 * A client address of its own (X-Forwarded-For) for one sign-in: sign-in attempts are limited
 * per client and minute, and the suites sign in far more often than one person would.
 */
export const asNewClient = () => ({ 'x-forwarded-for': `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 250) + 1).join('.')}` });

/** Headers of a signed-in browser: the role's session cookie and the dashboard's origin. */
export const sessionOf = (role: ProjectRole) => ({ cookie: inject('sessions')[role], origin: inject('webUrl') });
export const accountFor = (role: ProjectRole) => inject('accounts').find((a) => a.role === role)!;

export { DEMO_SPEC, DEMO_SPEC_FULL, INGEST_ONLY_SPEC, specWith } from './specs';

/**
 * Calls the API as `as` (a role's API token in project "demo"; the ML engineer's by default),
 * with other credential headers (`{authorization}`, `sessionOf(role)`), or with none (`as: null`).
 */
export async function api(method: string, path: string, init: { body?: string; headers?: Record<string, string>; as?: ProjectRole | Record<string, string> | null } = {}) {
  const as = init.as === undefined ? 'ml_engineer' : init.as;
  const auth: Record<string, string> = as === null ? {} : typeof as === 'string' ? { authorization: `Bearer ${tokenFor(as)}` } : as;
  const res = await fetch(`${webUrl()}${path}`, { method, body: init.body, headers: { ...auth, ...init.headers } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

export const submitYaml = (yaml: string, headers: Record<string, string> = {}) =>
  api('POST', '/api/v1/runs', { body: yaml, headers: { 'content-type': 'application/yaml', ...headers } });

export async function waitForRun(id: string, until: (r: RunDetail) => boolean = (r) => isTerminalRunStatus(r.status), timeoutMs = 120_000, as?: ProjectRole | Record<string, string>): Promise<RunDetail> {
  const deadline = Date.now() + timeoutMs;
  let last: RunDetail | undefined;
  while (Date.now() < deadline) {
    last = (await api('GET', `/api/v1/runs/${id}`, { as })).body as RunDetail;
    if (until(last)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`run ${id} did not reach the expected state in ${timeoutMs / 1000}s; last: ${JSON.stringify(last)}`);
}

let client: Promise<Client> | undefined;
export function temporalClient(): Promise<Client> {
  // The stack's own keys: this client reads and writes payloads as the web app and workers do.
  client ??= temporalClientFromConfig(loadConfig(TEMPORAL_CONFIG_KEYS, stackEnv()));
  return client;
}

/**
 * The run's workflow once it has closed. The workflow records the run's final status (an
 * activity) and then completes, so Postgres may show the end a moment before Temporal does.
 */
export async function closedWorkflow(runId: string, timeoutMs = 15_000) {
  const handle = (await temporalClient()).workflow.getHandle(runId);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING' || Date.now() > deadline) return description;
    await new Promise((r) => setTimeout(r, 200));
  }
}
