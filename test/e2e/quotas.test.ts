import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type ProjectQuota, type RunDetail } from '@refinery/core';
import { accountFor, api, DEMO_SPEC, INGEST_ONLY_SPEC, sessionOf, waitForRun as waitForRunAs, webUrl } from '../support/api';
import { launchChromium, signInAt } from '../support/browser';
import { refinery } from '../support/cli';

/**
 * Fair queuing through the real stack: the project's semaphore workflow, the queue projection
 * in Postgres, the API, the CLI and the dashboard. A project of its own, so no other suite's
 * runs share its slots.
 */
const PROJECT = 'quotas-e2e';
const asAdmin = sessionOf('admin'); // the instance admin: sets limits, and is admin of every project
const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const setLimits = async (limits: { maxConcurrentRuns: number | null; gpuSlots: Record<string, number> }) => {
  const res = await api('PUT', `/api/v1/projects/${PROJECT}/quotas`, { as: asAdmin, ...json(limits) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as ProjectQuota;
};
let projectToken = '';

function spec(name: string, priority: number, base: string, training?: Record<string, unknown>): string {
  const s = parse(base);
  s.project = PROJECT;
  s.name = name;
  s.priority = priority;
  if (training) {
    delete s.quantization;
    delete s.evaluation;
    s.training = { ...s.training, ...training };
  }
  return stringify(s);
}

async function submit(yaml: string): Promise<string> {
  const res = await api('POST', '/api/v1/runs', { as: asAdmin, body: yaml, headers: { 'content-type': 'application/yaml' } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return (res.body as { id: string }).id;
}

const getRun = async (id: string) => (await api('GET', `/api/v1/runs/${id}`, { as: asAdmin })).body as RunDetail;

/** The suite's role tokens are in project demo only: this project's runs are read as the instance admin. */
const waitForRun = (id: string, until?: (r: RunDetail) => boolean, timeoutMs?: number) => waitForRunAs(id, until, timeoutMs, asAdmin);

beforeAll(async () => {
  const created = await api('POST', '/api/v1/projects', { as: asAdmin, ...json({ id: PROJECT }) });
  expect([201, 409]).toContain(created.status);
  const token = await api('POST', '/api/v1/tokens', { as: asAdmin, ...json({ name: 'quotas e2e', project: PROJECT, role: 'ml_engineer' }) });
  expect(token.status).toBe(201);
  projectToken = (token.body as { token: string }).token;
});
afterAll(async () => {
  await api('PUT', `/api/v1/projects/${PROJECT}/quotas`, { as: asAdmin, ...json({ maxConcurrentRuns: null, gpuSlots: {} }) });
});

describe('fair queuing and quotas', () => {
  it('with 1 GPU slot, three runs train one after the other in priority order; the queue shows in the API, CLI and dashboard', async () => {
    // No GPU slot at first, so all three line up; then one slot, as an admin would at runtime.
    await setLimits({ maxConcurrentRuns: null, gpuSlots: { default: 0 } });
    const training = { maxSteps: 4, epochs: 1, batchSize: 4, packing: true, checkpointEvery: 100 };
    const low = await submit(spec('quota-low', 10, DEMO_SPEC, training));
    const mid = await submit(spec('quota-mid', 50, DEMO_SPEC, training));
    const high = await submit(spec('quota-high', 90, DEMO_SPEC, training));
    const queued = await Promise.all([low, mid, high].map((id) => waitForRun(id, (r) => r.status === 'queued' && r.queue?.resource === 'gpu:default', 240_000)));
    expect(queued.map((r) => r.queue!.position)).toEqual([3, 2, 1]);
    expect(queued[0]!.queue!.reason).toBe(`project ${PROJECT} may not use GPU pool default (its limit there is 0)`);
    expect(queued.every((r) => r.stages.some((s) => s.stage === 'split' && s.status === 'succeeded'))).toBe(true);

    const quota = (await api('GET', `/api/v1/projects/${PROJECT}/quotas`, { as: asAdmin })).body as ProjectQuota;
    expect(quota.queue.map((e) => [e.runId, e.position])).toEqual([[high, 1], [mid, 2], [low, 3]]);

    const cli = await refinery(['runs', 'list', '--project', PROJECT], undefined, { REFINERY_TOKEN: projectToken });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`${high}.*queued #1`));
    const cliGet = await refinery(['runs', 'get', low], undefined, { REFINERY_TOKEN: projectToken });
    expect(cliGet.stdout).toContain(`queue   #3 waiting for a GPU slot in pool default: project ${PROJECT} may not use GPU pool default`);
    const cliQuota = await refinery(['quotas', PROJECT], undefined, { REFINERY_TOKEN: projectToken });
    expect(cliQuota.stdout).toMatch(/GPU slots\s+default=0/);
    expect(cliQuota.stdout).toContain(`#1 gpu:default  ${high}  priority 90`);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await signInAt(page, `${webUrl()}/runs/${low}`, accountFor('admin'));
      await expect.poll(() => page.getByTestId('run-queue').textContent(), { timeout: 30_000 }).toContain('Queued #3 for a GPU slot in pool default');
      await page.getByTestId('run-queue-link').click();
      await page.waitForURL(`${webUrl()}/projects/${PROJECT}/queue`);
      await expect.poll(() => page.getByTestId('queue-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id'))), { timeout: 30_000 }).toEqual([high, mid, low]);
      expect(await page.getByTestId('queue-limit-gpu').textContent()).toBe('default: 0');
      await page.goto(`${webUrl()}/?project=${PROJECT}`);
      const rows = page.getByTestId('run-row-queue');
      await expect.poll(() => rows.allTextContents(), { timeout: 30_000 }).toEqual(expect.arrayContaining(['#1', '#2', '#3']));
    } finally {
      await browser.close();
    }

    // A non-admin may not lift the limit; the instance admin may, and the line starts moving.
    const refused = await api('PUT', `/api/v1/projects/${PROJECT}/quotas`, { as: 'admin', ...json({ maxConcurrentRuns: null, gpuSlots: {} }) });
    expect(refused.status).toBe(403);
    await setLimits({ maxConcurrentRuns: null, gpuSlots: { default: 1 } });
    const done = await Promise.all([low, mid, high].map((id) => waitForRun(id, undefined, 600_000)));
    expect(done.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);

    const trains = done.map((r) => {
      const t = r.stages.filter((s) => s.stage === 'train').at(-1)!;
      return { id: r.id, start: Date.parse(t.startedAt), end: Date.parse(t.finishedAt!) };
    });
    const order = [...trains].sort((a, b) => a.start - b.start);
    expect(order.map((t) => t.id)).toEqual([high, mid, low]);
    for (let i = 1; i < order.length; i++) expect(order[i]!.start).toBeGreaterThanOrEqual(order[i - 1]!.end); // one at a time
    expect(((await api('GET', `/api/v1/projects/${PROJECT}/quotas`, { as: asAdmin })).body as ProjectQuota).queue).toEqual([]);
  });

  it('a paused project (0 concurrent runs) holds runs queued; one cancelled in the queue leaves it; raising the limit lets the next through', async () => {
    await setLimits({ maxConcurrentRuns: 0, gpuSlots: {} });
    // Its higher priority puts it first whichever slot request reaches the semaphore first.
    const cancelled = await submit(spec('paused-cancelled', 60, INGEST_ONLY_SPEC));
    const kept = await submit(spec('paused-kept', 50, INGEST_ONLY_SPEC));
    const waiting = await waitForRun(kept, (r) => r.queue?.position === 2, 120_000);
    expect(waiting.queue!.reason).toBe(`project ${PROJECT} is paused: its limit of concurrent runs is 0`);
    expect(waiting.stages).toEqual([]); // nothing computed while paused

    expect((await api('POST', `/api/v1/runs/${cancelled}/cancel`, { as: asAdmin })).status).toBe(202);
    expect((await waitForRun(cancelled)).status).toBe('cancelled');
    expect((await waitForRun(kept, (r) => r.queue?.position === 1, 60_000)).status).toBe('queued');

    await setLimits({ maxConcurrentRuns: 1, gpuSlots: {} });
    const finished = await waitForRun(kept, undefined, 180_000);
    expect(finished.status).toBe('succeeded');
    expect(finished.queue).toBeNull();
    expect((await getRun(cancelled)).stages).toEqual([]);
  });
});
