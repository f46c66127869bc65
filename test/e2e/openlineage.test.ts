import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { isTerminalRunStatus, OPENLINEAGE_REDELIVERY, openLineageRunId, type RunDetail } from '@refinery/core';
import { connect, storeOpenLineageEvent, type Database } from '@refinery/db';
import { api, DEMO_SPEC, INGEST_ONLY_SPEC, sessionOf, stackEnv, submitYaml, temporalClient, waitForRun, webUrl } from '../support/api';
import { refinery } from '../support/cli';
import { OPENLINEAGE_TEST_API_KEY, openLineageProblems } from '../support/openlineage';

/**
 * OpenLineage end to end: the stack's REFINERY_OPENLINEAGE_URL points at a loopback port where
 * nothing listens, so runs must stay green while every event waits in the dead-letter table;
 * then a server listens there, an instance admin triggers redelivery, and every event arrives.
 */
interface Event {
  eventType: string;
  run: { runId: string; facets: Record<string, { run?: { runId: string }; message?: string }> };
  job: { namespace: string; name: string };
  inputs: Dataset[];
  outputs: Dataset[];
}
interface Dataset {
  namespace: string;
  name: string;
  facets: { version?: { datasetVersion: string }; schema?: { fields: { name: string }[] } };
  outputFacets?: { outputStatistics?: { rowCount?: number; size?: number } };
}

/** The demo, cut to a short run through every stage up to quantization (CPU and GPU stages). */
function trainingSpec(): string {
  const spec = parse(DEMO_SPEC);
  delete spec.evaluation;
  spec.name = 'openlineage-e2e';
  spec.training = { ...spec.training, maxSteps: 3 };
  spec.quantization = { formats: ['q8_0'] };
  return stringify(spec);
}

async function exportEvents(runId: string): Promise<Event[]> {
  const res = await fetch(`${webUrl()}/api/v1/openlineage/events?project=demo&run=${runId}`, { headers: { authorization: `Bearer ${inject('tokens').viewer}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
  const text = await res.text();
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((line) => JSON.parse(line) as Event);
}

const byType = (events: Event[], job: string, type: string) => events.filter((e) => e.job.name === job && e.eventType === type);

describe('OpenLineage events', () => {
  let database: Database;
  let run: RunDetail;
  let failed: RunDetail;
  let events: Event[];
  let server: Server | undefined;

  beforeAll(async () => {
    database = connect(stackEnv().DATABASE_URL!, { max: 2 });
    const upload = await api('POST', '/api/v1/uploads?project=demo', { body: '{"nope": "not a chat record"}\n', headers: { 'content-type': 'application/octet-stream' } });
    expect(upload.status).toBe(201);
    const bad = parse(INGEST_ONLY_SPEC);
    const [submitted, submittedBad] = await Promise.all([submitYaml(trainingSpec()), submitYaml(stringify({ ...bad, name: 'openlineage-invalid', dataset: { uri: upload.body.uri, format: 'chat' } }))]);
    expect(submitted.status).toBe(201);
    expect(submittedBad.status).toBe(201);
    [run, failed] = await Promise.all([waitForRun(submitted.body.id, undefined, 600_000), waitForRun(submittedBad.body.id)]);
    expect(run.status, JSON.stringify(run.stages.map((s) => [s.stage, s.status, s.error]))).toBe('succeeded');
    expect(failed.status).toBe('failed');
    events = await exportEvents(run.id);
  }, 660_000);

  afterAll(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await database?.close();
  });

  it('emits START and COMPLETE for the run and for every stage, each valid against the OpenLineage 2-0-2 schemas', () => {
    expect(isTerminalRunStatus(run.status)).toBe(true);
    for (const e of events) expect(openLineageProblems(e), `${e.job.name} ${e.eventType}`).toEqual([]);
    const stages = run.stages.map((s) => s.stage);
    expect(stages).toEqual(['ingest', 'redact', 'split', 'train', 'merge', 'quantize']);
    const parentId = openLineageRunId(run.id);
    expect(byType(events, 'openlineage-e2e', 'START').map((e) => e.run.runId)).toEqual([parentId]);
    expect(byType(events, 'openlineage-e2e', 'COMPLETE').map((e) => e.run.runId)).toEqual([parentId]);
    for (const stage of stages) {
      const [start, ...moreStarts] = byType(events, `openlineage-e2e.${stage}`, 'START');
      const [complete, ...moreCompletes] = byType(events, `openlineage-e2e.${stage}`, 'COMPLETE');
      expect([moreStarts.length, moreCompletes.length], `${stage}: one START, one COMPLETE`).toEqual([0, 0]);
      expect(start!.run.runId).toBe(complete!.run.runId);
      expect(start!.run.runId).toBe(openLineageRunId(run.id, stage));
      expect(complete!.run.facets.parent!.run!.runId).toBe(parentId);
      expect(complete!.job.namespace).toBe('refinery.demo');
    }
    // Emission order: the parent starts first and completes last; each stage starts before it completes.
    expect(events[0]!.job.name).toBe('openlineage-e2e');
    expect(events.at(-1)).toMatchObject({ job: { name: 'openlineage-e2e' }, eventType: 'COMPLETE' });
    expect(events.length).toBe(2 + 2 * stages.length);
  });

  it('names every artifact as an output of the stage that made it, with its sha256 as version, and the inputs each stage read', () => {
    const completes = new Map(events.filter((e) => e.eventType === 'COMPLETE').map((e) => [e.job.name, e]));
    for (const a of run.artifacts) {
      const out = completes.get(`openlineage-e2e.${a.producedByStage}`)!.outputs.find((d) => d.name === a.sha256);
      expect(out, `${a.kind} in ${a.producedByStage}'s outputs`).toMatchObject({ namespace: 'object://sha256', facets: { version: { datasetVersion: a.sha256 } }, outputFacets: { outputStatistics: { size: a.bytes } } });
      if (a.mediaType === 'application/jsonl') {
        expect(out!.facets.schema!.fields.map((f) => f.name)).toEqual(['messages']);
        expect(out!.outputFacets!.outputStatistics!.rowCount).toBeGreaterThan(0);
      }
    }
    const sha = (kind: string) => run.artifacts.find((a) => a.kind === kind)!.sha256;
    const inputs = (stage: string) => completes.get(`openlineage-e2e.${stage}`)!.inputs.map((d) => (d.facets.version ? d.facets.version.datasetVersion : `${d.namespace}:${d.name}`));
    expect(inputs('ingest')).toEqual(['file:examples/datasets/support-tickets.jsonl']);
    expect(inputs('redact')).toEqual([sha('raw_dataset')]);
    expect(inputs('split')).toEqual([sha('redacted_dataset')]);
    expect(inputs('train')).toEqual(['file:examples/models/tiny-llama', sha('train_split'), sha('eval_split')]);
    expect(inputs('merge')).toEqual(['file:examples/models/tiny-llama', sha('adapter')]);
    expect(inputs('quantize')).toEqual([sha('merged_model')]);
    // Every dataset in the object store carries its content hash as version.
    for (const d of events.flatMap((e) => [...e.inputs, ...e.outputs]).filter((d) => d.namespace === 'object://sha256')) expect(d.facets.version?.datasetVersion).toBe(d.name);
  });

  it('ends a failed stage and its run with FAIL and the error message', async () => {
    const failedEvents = await exportEvents(failed.id);
    for (const e of failedEvents) expect(openLineageProblems(e), `${e.job.name} ${e.eventType}`).toEqual([]);
    expect(failedEvents.map((e) => `${e.job.name} ${e.eventType}`)).toEqual(['openlineage-invalid START', 'openlineage-invalid.ingest START', 'openlineage-invalid.ingest FAIL', 'openlineage-invalid FAIL']);
    const ingestFail = failedEvents[2]!;
    expect(ingestFail.run.facets.errorMessage!.message).toBe(failed.stages[0]!.error);
    expect(failedEvents[3]!.run.facets.errorMessage!.message).toMatch(/dataset has 1 error/);
    // The raw dataset was stored before validation failed: it is the failed stage's output.
    expect(ingestFail.outputs.map((d) => d.facets.version?.datasetVersion)).toEqual([failed.artifacts[0]!.sha256]);
  });

  it('exports the same lines from the CLI (`refinery openlineage export`), to stdout or a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openlineage-export-'));
    const file = join(dir, 'run.jsonl');
    const toFile = await refinery(['openlineage', 'export', '-p', 'demo', '--run', run.id, '-o', file]);
    expect(toFile.code, toFile.stderr).toBe(0);
    expect(toFile.stderr).toContain(`wrote ${events.length} OpenLineage event(s) to ${file}`);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as Event)).toEqual(events);
    const toStdout = await refinery(['openlineage', 'export', '-p', 'demo', '--run', failed.id]);
    expect(toStdout.code, toStdout.stderr).toBe(0);
    expect(toStdout.stdout.trimEnd().split('\n')).toHaveLength(4);
    const missing = await refinery(['openlineage', 'export', '-p', 'demo', '--run', 'run_doesnotexist']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no run "run_doesnotexist" in project demo/);
  });

  it('stores an event once per dedupe key: a retried projection activity adds nothing', async () => {
    const [row] = (await database.pool.query<{ dedupe_key: string; event_type: string; stage: string }>(`select dedupe_key, event_type, stage from openlineage_events where run_id = $1 and stage = 'train' and event_type = 'COMPLETE'`, [run.id])).rows;
    expect(row!.dedupe_key).toBe(`${run.id}/train/COMPLETE`);
    const count = async () => Number((await database.pool.query(`select count(*) from openlineage_events where run_id = $1`, [run.id])).rows[0].count);
    const before = await count();
    const again = await storeOpenLineageEvent(database.db, { runId: run.id, stage: 'train', eventType: 'COMPLETE', dedupeKey: row!.dedupe_key, event: { retried: true }, outbox: true });
    expect(again.created).toBe(false);
    expect(await count()).toBe(before);
    const stored = await database.pool.query(`select event from openlineage_events where id = $1`, [again.id]);
    expect(stored.rows[0].event.eventType).toBe('COMPLETE'); // the first one stays
  });

  it('answers 404 for a run the project does not hold, and cuts the export at ?limit', async () => {
    const other = await api('GET', `/api/v1/openlineage/events?project=demo&run=run_doesnotexist`, { as: 'viewer' });
    expect(other.status).toBe(404);
    expect(other.body.error.message).toMatch(/no run "run_doesnotexist" in project demo/);
    const limited = await fetch(`${webUrl()}/api/v1/openlineage/events?project=demo&run=${run.id}&limit=2`, { headers: { authorization: `Bearer ${inject('tokens').viewer}` } });
    expect((await limited.text()).trimEnd().split('\n')).toHaveLength(2);
  });

  it('keeps undeliverable events in the dead-letter table without holding up the run, then delivers them on redelivery', async () => {
    const runIds = [run.id, failed.id];
    const ours = async () =>
      (
        await database.pool.query<{ id: string; attempts: number | null; last_error: string | null; delivered_at: Date | null }>(
          `select e.id, d.attempts, d.last_error, e.delivered_at from openlineage_events e left join openlineage_dead_letters d on d.event_id = e.id where e.run_id = any($1)`,
          [runIds],
        )
      ).rows;
    // The background first attempts (3 tries each, refused at once) have all failed and been recorded.
    const deadline = Date.now() + 180_000; // the worker sends one event at a time, at most ~1 s each while refused
    let rows = await ours();
    while (rows.some((r) => r.attempts === null || r.attempts < 1) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      rows = await ours();
    }
    expect(rows).toHaveLength(events.length + 4);
    for (const r of rows) {
      expect(r.delivered_at).toBeNull();
      expect(r.attempts).toBeGreaterThanOrEqual(1);
      expect(r.last_error).toMatch(new RegExp(`127\\.0\\.0\\.1:${inject('openlineagePort')}/api/v1/lineage: ECONNREFUSED`));
    }

    // Now something listens: an OpenLineage endpoint that validates and keeps what it receives.
    const received: { auth: string | undefined; event: Event }[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, event: JSON.parse(body) as Event });
        res.writeHead(req.url === '/api/v1/lineage' && req.method === 'POST' ? 201 : 404).end();
      });
    });
    await new Promise<void>((r) => server!.listen(inject('openlineagePort'), '127.0.0.1', r));

    // Redelivery by an instance admin (the admin session); rounds take the oldest first, so repeat until ours are in.
    for (let round = 0; round < 10 && (await ours()).some((r) => r.delivered_at === null); round++) {
      const res = await api('POST', '/api/v1/openlineage/redeliver', { as: sessionOf('admin'), body: '{}', headers: { 'content-type': 'application/json' } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.configured).toBe(true);
    }
    rows = await ours();
    expect(rows.filter((r) => r.delivered_at === null)).toEqual([]);
    expect(rows.filter((r) => r.attempts !== null)).toEqual([]); // left the dead-letter table

    const mine = received.filter((r) => [openLineageRunId(run.id), openLineageRunId(failed.id)].includes((r.event.run.facets.parent?.run?.runId ?? r.event.run.runId)));
    expect(mine).toHaveLength(rows.length);
    for (const r of mine) {
      expect(r.auth).toBe(`Bearer ${OPENLINEAGE_TEST_API_KEY}`);
      expect(openLineageProblems(r.event)).toEqual([]);
    }
    // What arrived is what the export holds.
    const key = (e: Event) => `${e.run.runId} ${e.eventType}`;
    expect(mine.map((r) => key(r.event)).sort()).toEqual([...events, ...(await exportEvents(failed.id))].map(key).sort());

    // The periodic path: the worker's Temporal Schedule runs the redelivery workflow every minute, with an endpoint configured.
    const schedule = (await temporalClient()).schedule.getHandle(OPENLINEAGE_REDELIVERY.scheduleId);
    let described = await schedule.describe();
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'openLineageRedelivery' });
    const until = Date.now() + 75_000;
    while (!described.info.recentActions.length && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 2_000));
      described = await schedule.describe();
    }
    const last = described.info.recentActions.at(-1)!.action;
    const periodic = await (await temporalClient()).workflow.getHandle(last.workflow.workflowId).result();
    expect(periodic).toMatchObject({ configured: true });

    // Audited; and a viewer may not trigger it.
    const audited = await database.pool.query(`select actor from audit_events where action = 'openlineage.redelivered' order by id desc limit 1`);
    expect(audited.rows[0]?.actor).toMatch(/^user:/);
    expect((await api('POST', '/api/v1/openlineage/redeliver', { as: sessionOf('viewer'), body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(403);
  });
});
