import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Client } from '@temporalio/client';
import { isTerminalRunStatus, loadConfig, STAGE_DEFINITIONS, type RunDetail } from '@refinery/core';
import { TEMPORAL_CONFIG_KEYS, temporalClientFromConfig } from '@refinery/temporal';
import { REPO_ROOT, seedDemoAccounts, signIn, startStack, TEMPORAL_DATABASES, type Stack } from '../../infra/src';
import { DEMO_SPEC, INGEST_ONLY_SPEC } from '../support/specs';

/**
 * The production topology on one host (issue 13): a real Temporal Server on its own Postgres
 * databases, two web processes, two pipeline workers and a GPU worker in each of two pools.
 * Twenty runs go in through both web processes; one pipeline worker and one web process are
 * killed (SIGKILL) while the runs are in flight; every run still succeeds, and the Temporal
 * histories show tasks picked up by both pipeline workers and each training by its pool's worker.
 */
let stack: Stack;
let log: WriteStream;
let token: string;
let temporal: Client;

const RUNS = 20;
const POOLS = ['default', 'large'] as const;

beforeAll(async () => {
  const dataDir = join(REPO_ROOT, '.data', 'test-cluster');
  await rm(dataDir, { recursive: true, force: true });
  log = createWriteStream(join(REPO_ROOT, '.data', 'test-cluster.log'));
  stack = await startStack({
    dataDir,
    topology: 'cluster',
    gpuPools: [...POOLS],
    persistTemporal: true,
    processes: { pipelineWorker: true, gpuWorker: true, web: true },
    webDistDir: '.next-test', // built by the shared stack's setup
    log: (source, line) => log.write(`[${source}] ${line}\n`),
  });
  const accounts = await seedDemoAccounts(stack.env, dataDir);
  const engineer = accounts.find((a) => a.role === 'ml_engineer')!;
  const web = stack.urls.webReplicas[0]!;
  const cookie = await signIn(web, engineer.email, engineer.password);
  const res = await fetch(`${web}/api/v1/tokens`, {
    method: 'POST',
    headers: { cookie, origin: web, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'cluster test', project: 'demo', role: 'ml_engineer', expiresInDays: 1 }),
  });
  token = ((await res.json()) as { token: string }).token;
  temporal = await temporalClientFromConfig(loadConfig(TEMPORAL_CONFIG_KEYS, stack.env));
}, 10 * 60_000);

afterAll(async () => {
  await temporal?.connection.close();
  await stack?.stop();
  log?.end();
});

const call = async (web: string, method: string, path: string, body?: string) => {
  const res = await fetch(`${web}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/yaml' } : {}) } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** A tiny training on one pool: three steps, nothing after training. */
function trainingSpec(pool: string): string {
  const spec = parse(DEMO_SPEC);
  spec.name = `cluster-train-${pool}`;
  spec.training = { ...spec.training, epochs: 1, maxSteps: 3, checkpointEvery: 3, gpu: { pool, count: 1 } };
  delete spec.quantization;
  delete spec.evaluation;
  return stringify(spec);
}

/** Which worker (identity `<pid>@<host>`) started each workflow and activity task of a run. */
async function taskIdentities(runId: string): Promise<{ workflowTasks: string[]; activities: { type: string; identity: string }[] }> {
  const history = await temporal.workflow.getHandle(runId).fetchHistory();
  const workflowTasks: string[] = [];
  const activities: { type: string; identity: string }[] = [];
  const scheduled = new Map<string, string>();
  for (const e of history.events ?? []) {
    if (e.activityTaskScheduledEventAttributes) scheduled.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    if (e.workflowTaskStartedEventAttributes?.identity) workflowTasks.push(e.workflowTaskStartedEventAttributes.identity);
    const started = e.activityTaskStartedEventAttributes;
    if (started?.identity) activities.push({ type: scheduled.get(String(started.scheduledEventId)) ?? '?', identity: started.identity });
  }
  return { workflowTasks, activities };
}

const pidOf = (name: string) => stack.children.get(name)!.pid!;
const byPid = (identities: string[], name: string) => identities.filter((i) => i.startsWith(`${pidOf(name)}@`));

async function waitForAll(web: string, ids: string[], timeoutMs: number): Promise<RunDetail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await Promise.all(ids.map(async (id) => (await call(web, 'GET', `/api/v1/runs/${id}`)).body as unknown as RunDetail));
    if (runs.every((r) => isTerminalRunStatus(r.status))) return runs;
    if (Date.now() > deadline) throw new Error(`not all runs ended in ${timeoutMs / 1000}s: ${runs.map((r) => `${r.id} ${r.status}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('cluster topology: real Temporal Server on Postgres, two web processes, two pipeline workers, two GPU pools', () => {
  it(`${RUNS} runs through both web processes survive killing a pipeline worker and a web process mid-run`, { timeout: 15 * 60_000 }, async () => {
    const [web1, web2] = stack.urls.webReplicas as [string, string];
    // Each web process's health check knows the installation's pools and sees a worker on each.
    const health = await call(web2, 'GET', '/api/v1/health');
    expect(health.status, JSON.stringify(health.body)).toBe(200);
    const queues = (health.body.checks as { workers: { queues: Record<string, number> } }).workers.queues;
    expect(Object.keys(queues).sort()).toEqual(['refinery-gpu-default', 'refinery-gpu-large', 'refinery-pipeline']);
    expect(Object.values(queues).every((n) => n > 0), JSON.stringify(queues)).toBe(true);
    // Runs 0 and 1 train, one on each pool; the rest are data-only (ingest, redact). Even runs
    // go in through web 1, odd ones through web 2.
    const specs = Array.from({ length: RUNS }, (_, i) => (i < POOLS.length ? trainingSpec(POOLS[i]!) : INGEST_ONLY_SPEC));
    const ids: string[] = [];
    for (const [i, spec] of specs.entries()) {
      const submitted = await call(i % 2 === 0 ? web1 : web2, 'POST', '/api/v1/runs', spec);
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
      ids.push(submitted.body.id as string);
    }

    // Kill pipeline worker 1 once it has taken work and while runs are still going.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const picked = await Promise.all(ids.map(async (id) => byPid((await taskIdentities(id)).workflowTasks, 'pipeline-1').length));
      if (picked.some((n) => n > 0)) break;
      if (Date.now() > deadline) throw new Error('pipeline worker 1 took no workflow task in 120 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    const inFlight = (await Promise.all(ids.map(async (id) => (await call(web1, 'GET', `/api/v1/runs/${id}`)).body.status as string))).filter((s) => !isTerminalRunStatus(s));
    expect(inFlight.length, 'runs still going when the pipeline worker is killed').toBeGreaterThan(0);
    const pipeline1Pid = pidOf('pipeline-1');
    stack.children.get('pipeline-1')!.kill('SIGKILL');
    stack.children.get('web-2')!.kill('SIGKILL');

    // Everything is read back through the surviving web process.
    const runs = await waitForAll(web1, ids, 12 * 60_000);
    expect(runs.map((r) => `${r.name} ${r.status}`)).toEqual(runs.map((r) => `${r.name} succeeded`));
    for (const run of runs) {
      const ended = new Set(run.stages.filter((s) => s.status === 'succeeded').map((s) => s.stage));
      const expected = run.name.startsWith('cluster-train') ? ['ingest', 'redact', 'split', 'train'] : ['ingest', 'redact'];
      expect([...ended].sort(), run.id).toEqual(expected.sort());
      // No duplicate records from retried stages: one artifact per (stage, kind).
      const kinds = run.artifacts.map((a) => `${a.producedByStage}/${a.kind}`);
      expect(kinds.length, `${run.id} artifacts ${kinds.join(', ')}`).toBe(new Set(kinds).size);
    }

    // Temporal history: both pipeline workers took tasks; each training ran on its pool's worker.
    const histories = await Promise.all(ids.map(taskIdentities));
    const allIdentities = histories.flatMap((h) => [...h.workflowTasks, ...h.activities.map((a) => a.identity)]);
    expect(allIdentities.filter((i) => i.startsWith(`${pipeline1Pid}@`)).length, 'tasks picked up by pipeline worker 1').toBeGreaterThan(0);
    expect(byPid(allIdentities, 'pipeline-2').length, 'tasks picked up by pipeline worker 2').toBeGreaterThan(0);
    for (const [i, pool] of POOLS.entries()) {
      const trains = histories[i]!.activities.filter((a) => a.type === STAGE_DEFINITIONS.train.activity);
      expect(trains.length, `train activity of the ${pool} run`).toBeGreaterThan(0);
      expect(trains.every((a) => a.identity.startsWith(`${pidOf(`gpu-${pool}`)}@`)), `${pool} run trained by gpu-${pool}: ${JSON.stringify(trains)}`).toBe(true);
    }

    const retried = runs.flatMap((r) => r.stages.filter((s) => s.attempt > 1).map((s) => `${s.stage}#${s.attempt}`));
    console.log(
      `[cluster] ${RUNS} runs succeeded; ${inFlight.length} were in flight at the kills; stage retries: ${retried.join(', ') || 'none'}; ` +
        `tasks by pipeline-1 ${allIdentities.filter((i) => i.startsWith(`${pipeline1Pid}@`)).length}, by pipeline-2 ${byPid(allIdentities, 'pipeline-2').length}`,
    );

    // The histories live in the server's own Postgres database, not in a dev server's SQLite.
    const db = new pg.Client({ connectionString: stack.env.DATABASE_URL!.replace(/\/[^/?]+(\?|$)/, `/${TEMPORAL_DATABASES.default}$1`) });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM executions');
      expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(RUNS);
    } finally {
      await db.end();
    }
  });
});
