import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IngestReport, RunDetail } from '@refinery/core';
import type { RedactReport } from '@refinery/core';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { api, closedWorkflow, specWith, submitYaml, temporalClient, waitForRun } from '../support/api';

describe('runs over HTTP against the real stack', () => {
  it('runs a spec through ingest and redact to succeeded; Temporal history and Postgres agree', async () => {
    const submitted = await submitYaml(specWith({ name: 'e2e-happy' }));
    expect(submitted.status).toBe(201);
    expect(submitted.headers.get('location')).toBe(`/api/v1/runs/${submitted.body.id}`);

    const run = await waitForRun(submitted.body.id);
    expect(run.status).toBe('succeeded');
    expect(run.stages.map((s) => [s.stage, s.status])).toEqual([
      ['ingest', 'succeeded'],
      ['redact', 'succeeded'],
    ]);
    const report = run.stages[0]!.metrics as unknown as IngestReport;
    expect(report.records).toBe(600);
    expect(report.errorCount).toBe(0);
    expect(report.roleCounts.assistant).toBe(600);
    expect(run.artifacts.map((a) => a.kind)).toEqual(['raw_dataset', 'redacted_dataset', 'redaction_report']);
    expect(run.artifacts[0]).toMatchObject({ sha256: report.sha256, uri: `object://sha256/${report.sha256}` });
    const redaction = run.stages[1]!.metrics as unknown as RedactReport;
    expect(redaction.records).toMatchObject({ read: 600, written: 600, dropped: 0 });
    expect(redaction.totalsByType.EMAIL).toBeGreaterThan(300);
    expect(redaction.verification).toMatchObject({ clean: true, residualCount: 0, recordsScanned: 600 });
    // The report and stage metrics carry counts and hashes, never the raw values.
    expect(JSON.stringify(run.stages[1]!.metrics)).not.toMatch(/@(?!example\.)[a-z0-9-]+\.[a-z]{2,}/i);

    const handle = (await temporalClient()).workflow.getHandle(run.id);
    const description = await closedWorkflow(run.id);
    expect(description.status.name).toBe('COMPLETED');
    expect(description.taskQueue).toBe('refinery-pipeline');
    const result = await handle.result();
    expect(result).toEqual({ status: 'succeeded', datasetUri: run.artifacts[0]!.uri, adapterUri: null });
    const history = await handle.fetchHistory();
    const activities = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    // First the run asks its project's quota semaphore for a slot (fair queuing), then it computes.
    expect(activities).toEqual(['requestQuotaSlot', 'markRun', 'stageStarted', 'ingestDataset', 'stageFinished', 'stageStarted', 'redactDataset', 'stageFinished', 'markRun']);
  });

  it('fails verification when the policy leaves an entity type unredacted, with a readable report', async () => {
    const res = await submitYaml(specWith({ name: 'e2e-leaky-policy', redaction: '{ entities: [EMAIL, PERSON], action: mask }' }));
    const run = await waitForRun(res.body.id);
    expect(run.status).toBe('failed');
    const redact = run.stages.find((s) => s.stage === 'redact')!;
    expect(redact.status).toBe('failed');
    expect(redact.error).toMatch(/^verification found \d+ unredacted value\(s\) after redaction \(.*PHONE ×\d+.*\) on lines \d+/);
    const report = redact.metrics as unknown as RedactReport;
    expect(report.verification.clean).toBe(false);
    expect(report.verification.residualsByType.PHONE).toBeGreaterThan(0);
    expect(report.verification.residualsByType.EMAIL).toBeUndefined();
    expect(report.verification.residuals[0]).toEqual({ line: expect.any(Number), type: expect.any(String), field: expect.any(String) });
    expect(run.artifacts.map((a) => a.kind)).toEqual(['raw_dataset']);
  });

  it('fails a malformed dataset at ingest with exactly the bad line numbers', async () => {
    const submitted = await submitYaml(specWith({ name: 'e2e-malformed', dataset: '{ uri: file://examples/datasets/malformed-chat.jsonl, format: chat }' }));
    expect(submitted.status).toBe(201);
    const run = await waitForRun(submitted.body.id);
    expect(run.status).toBe('failed');
    const ingest = run.stages.find((s) => s.stage === 'ingest')!;
    expect(ingest.status).toBe('failed');
    const report = ingest.metrics as unknown as IngestReport;
    expect(report.errors.map((e) => e.line)).toEqual([3, 7, 9]);
    expect(report.errors[0]!.reason).toMatch(/^invalid JSON/);
    expect(report.errors[1]).toMatchObject({ field: 'messages', reason: 'is required' });
    expect(report.errors[2]!.field).toMatch(/^messages\[\d+\]\.role$/);
    expect(report.errors[2]!.reason).toMatch(/invalid role/);
    expect(report.records).toBe(7);
    expect(run.error).toMatch(/3 error\(s\); first at line 3/);
    expect((await closedWorkflow(run.id)).status.name).toBe('FAILED');
  });

  it('rejects a bad RunSpec with 400 and field paths', async () => {
    const res = await submitYaml(specWith({ project: 'Not A Slug', dataset: '{ uri: file://examples/datasets/support-tickets.jsonl, format: csv, extra: 1 }' }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_spec');
    const paths = res.body.error.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(['dataset', 'dataset.format', 'project']);
    expect(res.body.error.issues.find((i: { path: string }) => i.path === 'dataset').message).toBe('unknown field(s): extra');

    const json = await api('POST', '/api/v1/runs', { body: '{"apiVersion": "refinery/v1",', headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(400);
    expect(json.body.error.code).toBe('invalid_json');
  });

  it('rejects a section the spec does not know, and promotion without training', async () => {
    const unknown = await submitYaml(`${specWith({ name: 'e2e-future' })}\ndeployment: { target: prod }\n`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues).toEqual([{ path: '(root)', message: 'unknown field(s): deployment' }]);
    const untrained = await submitYaml(`${specWith({ name: 'e2e-future' })}\npromotion: { model: x, alias: production }\n`);
    expect(untrained.status).toBe(400);
    expect(untrained.body.error.issues).toEqual([{ path: 'promotion', message: 'promotion registers a trained model; add a "training" section' }]);
  });

  it('returns one run for the same Idempotency-Key, and refuses the key for another spec', async () => {
    const key = `idem-${Date.now()}`;
    const spec = specWith({ name: 'e2e-idempotent' });
    const first = await submitYaml(spec, { 'idempotency-key': key });
    const second = await submitYaml(spec, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const list = await api('GET', '/api/v1/runs?limit=200');
    expect(list.body.runs.filter((r: { name: string }) => r.name === 'e2e-idempotent')).toHaveLength(1);

    const other = await submitYaml(specWith({ name: 'e2e-other' }), { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    await waitForRun(first.body.id);
  });

  it.each([
    ['file://../../etc/passwd', /"\.\." path segments/],
    ['file:///etc/passwd', /outside the allowed data roots/],
    ['file://examples/%2e%2e/%2e%2e/etc/passwd', /"\.\." path segments/],
  ])('rejects dataset %s', async (uri, message) => {
    const res = await submitYaml(specWith({ dataset: `{ uri: "${uri}", format: chat }` }));
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe('dataset.uri');
    expect(res.body.error.issues[0].message).toMatch(message);
  });

  it('rejects a symlink inside an allowed root that escapes it', async () => {
    const dir = mkdtempSync(join(REPO_ROOT, 'examples', 'tmp-escape-'));
    try {
      symlinkSync('/etc/hostname', join(dir, 'data.jsonl'));
      const rel = dir.slice(REPO_ROOT.length + 1);
      const res = await submitYaml(specWith({ dataset: `{ uri: "file://${rel}/data.jsonl", format: chat }` }));
      expect(res.status).toBe(400);
      expect(res.body.error.issues[0].message).toMatch(/outside the allowed data roots/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts an uploaded dataset by its object URI', async () => {
    const lines = [
      { messages: [{ role: 'user', content: 'Where is my order?' }, { role: 'assistant', content: '{"department":"shipping"}' }] },
      { messages: [{ role: 'user', content: 'Refund please' }, { role: 'assistant', content: '{"department":"billing"}' }] },
    ];
    const up = await api('POST', '/api/v1/uploads?project=demo', { body: lines.map((l) => JSON.stringify(l)).join('\n'), headers: { 'content-type': 'application/octet-stream' } });
    expect(up.status).toBe(201);
    expect(up.body.uri).toMatch(/^object:\/\/sha256\/[0-9a-f]{64}$/);
    const res = await submitYaml(specWith({ name: 'e2e-upload', dataset: `{ uri: "${up.body.uri}", format: chat }` }));
    const run = await waitForRun(res.body.id);
    expect(run.status).toBe('succeeded');
    expect((run.stages[0]!.metrics as unknown as IngestReport).records).toBe(2);
    expect(run.stages.map((s) => s.stage)).toEqual(['ingest', 'redact']);
  });

  it('cancels a running workflow; the run shows cancelled', async () => {
    // A FIFO inside the data root: ingest blocks reading it, so the run is reliably mid-stage.
    const dir = mkdtempSync(join(REPO_ROOT, 'examples', 'tmp-fifo-'));
    const fifo = join(dir, 'slow.jsonl');
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [fifo]);
    const { open } = await import('node:fs/promises');
    const writerReady = open(fifo, 'w'); // resolves once ingest opens the FIFO for reading
    try {
      const rel = fifo.slice(REPO_ROOT.length + 1);
      const res = await submitYaml(specWith({ name: 'e2e-cancel', dataset: `{ uri: "file://${rel}", format: chat }` }));
      const writer = await writerReady;
      await writer.write('{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}\n');
      await waitForRun(res.body.id, (r) => r.stages.some((s) => s.stage === 'ingest' && s.status === 'running'));

      const cancel = await api('POST', `/api/v1/runs/${res.body.id}/cancel`);
      expect(cancel.status).toBe(202);
      const run = await waitForRun(res.body.id, (r) => r.status === 'cancelled', 60_000);
      expect(run.stages.find((s) => s.stage === 'ingest')!.status).toBe('cancelled');
      expect((await closedWorkflow(run.id)).status.name).toBe('CANCELLED');
      await writer.close();

      const again = await api('POST', `/api/v1/runs/${res.body.id}/cancel`);
      expect(again.status).toBe(409);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists runs with filters and cursor pagination', async () => {
    const all: RunDetail[] = [];
    let cursor: string | null = null;
    do {
      const page = await api('GET', `/api/v1/runs?project=demo&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.runs.length).toBeLessThanOrEqual(2);
      all.push(...page.body.runs);
      cursor = page.body.nextCursor;
    } while (cursor);
    const ids = all.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    const created = all.map((r) => r.createdAt);
    expect([...created].sort().reverse()).toEqual(created);

    const failed = await api('GET', '/api/v1/runs?status=failed');
    expect(failed.body.runs.length).toBeGreaterThan(0);
    expect(failed.body.runs.every((r: { status: string }) => r.status === 'failed')).toBe(true);
    expect((await api('GET', '/api/v1/runs?status=bogus')).status).toBe(400);
    expect((await api('GET', '/api/v1/runs/run_does_not_exist')).status).toBe(404);
  });

  it('reports health of Postgres, Temporal and the worker, and serves OpenAPI', async () => {
    const health = await api('GET', '/api/v1/health');
    expect(health.status).toBe(200);
    expect(health.body.checks.workers.queues['refinery-pipeline']).toBeGreaterThan(0);
    expect(health.body.checks.workers.queues['refinery-gpu-default']).toBeGreaterThan(0);
    // The Kubernetes probes (infra/helm/refinery): liveness touches nothing, readiness is the full report.
    expect(await api('GET', '/api/v1/health?probe=live', { as: null })).toMatchObject({ status: 200, body: { status: 'ok', probe: 'live' } });
    const ready = await api('GET', '/api/v1/health?probe=ready', { as: null }); // kubelet sends no credentials
    expect(ready.status).toBe(200);
    expect(ready.body.checks.postgres.ok && ready.body.checks.temporal.ok).toBe(true);
    expect((await api('GET', '/api/v1/health?probe=startup')).status).toBe(400);
    const doc = await api('GET', '/api/v1/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/runs', '/api/v1/runs/{id}', '/api/v1/runs/{id}/cancel', '/api/v1/health']));
    const specSchema = doc.body.paths['/api/v1/runs'].post.requestBody.content['application/json'].schema;
    expect(specSchema.additionalProperties).toBe(false);
  });
});
