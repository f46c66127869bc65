import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { TASK_QUEUES } from '@refinery/core';
import { METRICS, TEMPORAL_SDK_METRICS } from '@refinery/core/metrics';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { DEMO_SPEC, stackEnv, submitYaml, waitForRun } from '../support/api';

/**
 * Prometheus /metrics on the web app and both workers, scraped around one tiny training run
 * (ingest → redact → split → train, 2 steps): each metric moves by what that run did.
 */
const urls = () => inject('metricsUrls');
const token = () => stackEnv().REFINERY_METRICS_TOKEN!;
const DATASET = join(REPO_ROOT, 'examples/datasets/support-tickets.jsonl');

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Scrape {
  text: string;
  samples: Sample[];
}

async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token()}` } });
  const text = await res.text();
  expect(res.status, `${url}: ${text.slice(0, 300)}`).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { text, samples };
}

/** The sum of a metric's series whose labels include `labels` (0 when none: not yet recorded). */
const value = (s: Scrape, name: string, labels: Record<string, string> = {}) =>
  s.samples.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)).reduce((sum, x) => sum + x.value, 0);

/** No run of any suite is queued or running, so the deltas below are this test's run alone. */
async function quiet(timeoutMs = 6 * 60_000) {
  const db = new pg.Client({ connectionString: stackEnv().DATABASE_URL });
  await db.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await db.query(`select count(*)::int as n from runs where status in ('queued', 'running')`);
      if (rows[0].n === 0) return;
      if (Date.now() > deadline) throw new Error(`${rows[0].n} run(s) of other tests still queued or running after ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await db.end();
  }
}

describe('Prometheus metrics', () => {
  it('/metrics needs the scrape token on the web app and on each worker', async () => {
    expect(Object.keys(urls()).sort()).toEqual(['gpu', 'pipeline', 'web']);
    for (const [name, url] of Object.entries(urls())) {
      for (const headers of [{}, { authorization: 'Bearer not-the-token' }, { authorization: token() }] as Record<string, string>[]) {
        const res = await fetch(url, { headers, redirect: 'manual' });
        expect(res.status, `${name} with ${JSON.stringify(Object.keys(headers))}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(await res.text()).not.toContain('refinery_');
      }
    }
  });

  it('a tiny training run moves each metric by what it did', { timeout: 14 * 60_000 }, async () => {
    const spec = parse(DEMO_SPEC);
    delete spec.quantization;
    delete spec.evaluation;
    spec.name = 'metrics-e2e';
    spec.training = { ...spec.training, maxSteps: 2, epochs: 1, checkpointEvery: 100, packing: true };
    // The redaction metrics measure work done: an earlier run of this data must not be reused.
    spec.cache = { ingest: false, redact: false, split: false };

    await quiet();
    const scrapeAll = async () => ({ web: await scrape(urls().web!), pipeline: await scrape(urls().pipeline!), gpu: await scrape(urls().gpu!) });
    const before = await scrapeAll();
    const res = await submitYaml(stringify(spec));
    expect(res.status).toBe(201);
    const run = await waitForRun(res.body.id, undefined, 5 * 60_000);
    expect(run.status, run.error ?? '').toBe('succeeded');
    const after = await scrapeAll();
    const delta = (p: keyof typeof before, name: string, labels: Record<string, string> = {}) => value(after[p], name, labels) - value(before[p], name, labels);

    // Web app: runs by status from Postgres, and the submit route's latency.
    expect(delta('web', METRICS.runs.name, { status: 'succeeded' })).toBe(1);
    expect(value(after.web, METRICS.runs.name, { status: 'running' })).toBe(0);
    expect(delta('web', `${METRICS.apiLatency.name}_count`, { route: 'POST /api/v1/runs', status: '201' })).toBe(1);
    expect(delta('web', `${METRICS.apiLatency.name}_count`, { route: 'GET /api/v1/runs/{id}', status: '200' })).toBeGreaterThanOrEqual(1);

    // One attempt per stage, each on the worker of its queue.
    expect(run.stages.map((s) => s.stage)).toEqual(['ingest', 'redact', 'split', 'train']);
    for (const { stage } of run.stages) {
      const worker = stage === 'train' ? 'gpu' : 'pipeline';
      expect(delta(worker, `${METRICS.stageDuration.name}_count`, { stage, outcome: 'succeeded' }), stage).toBe(1);
      expect(delta(worker, `${METRICS.stageDuration.name}_sum`, { stage, outcome: 'succeeded' }), stage).toBeGreaterThan(0);
    }
    expect(delta('pipeline', `${METRICS.stageDuration.name}_count`, { stage: 'train' })).toBe(0);

    // Redaction read the whole dataset: its records and bytes.
    const records = readFileSync(DATASET, 'utf8').split('\n').filter((l) => l.trim()).length;
    expect(records).toBe(600);
    expect(delta('pipeline', METRICS.redactionRecords.name)).toBe(records);
    expect(delta('pipeline', METRICS.redactionBytes.name)).toBe(statSync(DATASET).size);

    // Queue wait: every activity attempt; the pipeline queue also carries the projection activities.
    expect(delta('pipeline', `${METRICS.queueWait.name}_count`, { task_queue: TASK_QUEUES.pipeline })).toBeGreaterThanOrEqual(3 + 2 * 3);
    expect(delta('gpu', `${METRICS.queueWait.name}_count`, { task_queue: TASK_QUEUES.gpu('default') })).toBe(1);

    // The trainer's last step on the GPU worker; the job is over.
    expect(value(after.gpu, METRICS.trainerTokensPerSecond.name, { pool: 'default', verb: 'train' })).toBeGreaterThan(0);
    expect(value(after.gpu, METRICS.trainerJobsRunning.name, { pool: 'default', verb: 'train' })).toBe(0);

    // The Temporal SDK's worker metrics come with each worker's scrape (the dashboard reads these).
    // (GPU workers poll no workflow tasks.)
    const sdk = { pipeline: Object.values(TEMPORAL_SDK_METRICS), gpu: Object.values(TEMPORAL_SDK_METRICS).filter((n) => n !== TEMPORAL_SDK_METRICS.workflowTaskScheduleToStart) };
    for (const worker of ['pipeline', 'gpu'] as const) {
      for (const name of sdk[worker]) {
        expect(after[worker].samples.some((s) => s.name === name || s.name === `${name}_bucket`), `${worker} exports ${name}`).toBe(true);
      }
    }
    // No run id, dataset text or token in any label value.
    for (const s of Object.values(after).flatMap((x) => x.samples)) {
      for (const v of Object.values(s.labels)) expect(v.includes(run.id) || v.includes(token()) || v.includes('@')).toBe(false);
    }
  });
});
