import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { isTerminalRunStatus, type ErasureImpact, type ErasureMarkResult, type ModelDetail, type RunDetail } from '@refinery/core';
import { connect, type Database } from '@refinery/db';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { api, DEMO_SPEC, INGEST_ONLY_SPEC, sessionOf, stackEnv, submitYaml, tokenFor, waitForRun } from '../support/api';
import { refinery } from '../support/cli';

/**
 * Erasure impact on the real stack: a dataset with one unique record trains a version that
 * `production` points at; the impact query finds that version from the dataset's sha256, its
 * source URI, its artifact id and the record's content hash, never another project's run; marking
 * shows `affected` on the version and the alias (API and CLI), is idempotent and audited with the
 * record hash keyed, never as given; a reference matching nothing says so; only admins may ask.
 */
const MODEL = 'erasure-e2e';
const OTHER = 'erasure-other';
const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

let database: Database;
let dataset: { bytes: Buffer; sha256: string; uri: string; recordLine: number; recordHash: string; file: string };
let trained: RunDetail;
let other: RunDetail;
let otherToken: string;

const impact = (reference: { type: string; value: string }, as: NonNullable<Parameters<typeof api>[2]>['as'] = 'admin', project = 'demo') => api('POST', '/api/v1/erasure/impact', { as, ...json({ project, reference }) });
const getModel = async (): Promise<ModelDetail> => (await api('GET', `/api/v1/models/${MODEL}?project=demo`, { as: 'viewer' })).body;
const asAdmin = { REFINERY_TOKEN: undefined as string | undefined };

/** Polls a run of another project (waitForRun asks as project demo's ML engineer). */
async function waitAs(id: string, as: Record<string, string>): Promise<RunDetail> {
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const run = (await api('GET', `/api/v1/runs/${id}`, { as })).body as RunDetail;
    if (isTerminalRunStatus(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} did not finish in 5 minutes: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  database = connect(stackEnv().DATABASE_URL!, { max: 2 });
  asAdmin.REFINERY_TOKEN = tokenFor('admin');
  // The demo tickets plus one record of our own, unique to this test run.
  const lines = readFileSync(join(REPO_ROOT, 'examples/datasets/support-tickets.jsonl'), 'utf8').trimEnd().split('\n');
  const record = JSON.parse(lines[0]!);
  record.messages[1].content += ` Please erase me: ${randomBytes(6).toString('hex')}.`;
  const recordText = JSON.stringify(record);
  const text = `${[...lines, recordText].join('\n')}\n`;
  const file = join(mkdtempSync(join(tmpdir(), 'erasure-')), 'tickets.jsonl');
  writeFileSync(file, text);
  const bytes = Buffer.from(text);

  const uploaded = await api('POST', '/api/v1/uploads?project=demo', { body: text, headers: { 'content-type': 'application/octet-stream' } });
  expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
  dataset = { bytes, sha256: uploaded.body.sha256, uri: uploaded.body.uri, recordLine: lines.length + 1, recordHash: sha(recordText), file };
  expect(dataset.sha256).toBe(sha(bytes));

  // The same bytes in another project, ingested there: never part of project demo's answers.
  const created = await api('POST', '/api/v1/projects', { as: sessionOf('admin'), ...json({ id: OTHER }) });
  expect([201, 409]).toContain(created.status);
  expect((await api('POST', `/api/v1/uploads?project=${OTHER}`, { as: sessionOf('admin'), body: text, headers: { 'content-type': 'application/octet-stream' } })).status).toBe(201);
  const otherSpec = parse(INGEST_ONLY_SPEC);
  Object.assign(otherSpec, { project: OTHER, name: 'erasure-other', dataset: { uri: dataset.uri, format: 'chat' } });
  const otherRun = await api('POST', '/api/v1/runs', { as: sessionOf('admin'), body: stringify(otherSpec), headers: { 'content-type': 'application/yaml' } });
  expect(otherRun.status, JSON.stringify(otherRun.body)).toBe(201);
  const token = await api('POST', '/api/v1/tokens', { as: sessionOf('admin'), ...json({ name: 'erasure other', project: OTHER, role: 'admin', expiresInDays: 1 }) });
  otherToken = token.body.token;

  // A cheap trained run that registers a version production points at.
  const spec = parse(DEMO_SPEC);
  spec.name = 'erasure-subject';
  spec.dataset = { uri: dataset.uri, format: 'chat' };
  spec.training = { ...spec.training, maxSteps: 3, epochs: 1 };
  delete spec.quantization;
  delete spec.evaluation;
  spec.promotion = { model: MODEL, alias: 'production' };
  const submitted = await submitYaml(stringify(spec));
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
  [trained, other] = await Promise.all([waitForRun(submitted.body.id, undefined, 10 * 60_000), waitAs(otherRun.body.id, { authorization: `Bearer ${otherToken}` })]);
  expect(trained.status, trained.error ?? '').toBe('succeeded');
  expect(other.status, other.error ?? '').toBe('succeeded');
}, 15 * 60_000);

afterAll(async () => {
  await database?.close();
});

describe('erasure impact', () => {
  it('finds the version from the dataset sha256, the source URI, the artifact id and the record hash, and never another project', async () => {
    const raw = trained.artifacts.find((a) => a.kind === 'raw_dataset')!;
    expect(raw.sha256).toBe(dataset.sha256);
    const otherRaw = other.artifacts.find((a) => a.kind === 'raw_dataset')!;

    const references = [
      { type: 'sha256', value: dataset.sha256 },
      { type: 'uri', value: dataset.uri },
      { type: 'artifact', value: raw.id },
      { type: 'record_hash', value: dataset.recordHash },
    ];
    for (const reference of references) {
      const res = await impact(reference);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const body = res.body as ErasureImpact;
      expect(body.matched, reference.type).toBe(true);
      expect(body.runs.map((r) => r.id), reference.type).toContain(trained.id);
      expect(body.runs.map((r) => r.id), reference.type).not.toContain(other.id);
      expect(body.datasets.map((d) => d.artifactId), reference.type).toContain(raw.id);
      expect(body.datasets.map((d) => d.artifactId), reference.type).not.toContain(otherRaw.id);
      const version = body.versions.find((v) => v.runId === trained.id);
      expect(version, reference.type).toMatchObject({ model: MODEL, aliases: ['production'], affected: [] });
      expect(body.productionAffected, reference.type).toBe(true);
      expect(body.message).toMatch(/PRODUCTION IS AFFECTED/);
    }

    // The record search names the line, and says what it read.
    const byRecord = (await impact({ type: 'record_hash', value: dataset.recordHash })).body as ErasureImpact;
    expect(byRecord.datasets.find((d) => d.artifactId === raw.id)).toMatchObject({ lines: [dataset.recordLine], occurrences: 1, sha256: dataset.sha256 });
    expect(byRecord.scan!.datasets).toBeGreaterThanOrEqual(1);
    expect(byRecord.scan!.lines).toBeGreaterThanOrEqual(dataset.recordLine);
    // The closure reaches every artifact of the run (redacted, splits, adapter), all in run `trained`.
    expect(byRecord.runs.map((r) => r.id)).toEqual([trained.id]);

    // From a derived artifact (the adapter, trained on the redacted split), the version is found too.
    const adapter = trained.artifacts.find((a) => a.kind === 'adapter')!;
    const fromAdapter = (await impact({ type: 'sha256', value: adapter.sha256 })).body as ErasureImpact;
    expect(fromAdapter.versions.map((v) => v.runId)).toEqual([trained.id]);

    // The other project, asked by its own admin, sees only its own run and no version.
    const there = (await impact({ type: 'sha256', value: dataset.sha256 }, { authorization: `Bearer ${otherToken}` }, OTHER)).body as ErasureImpact;
    expect(there.runs.map((r) => r.id)).toEqual([other.id]);
    expect(there.versions).toEqual([]);
    expect(there.productionAffected).toBe(false);
  });

  it('says when a reference matches nothing (API, and the CLI with exit code 4)', async () => {
    const absent = sha(`not a record ${randomBytes(8).toString('hex')}`);
    const res = await impact({ type: 'record_hash', value: absent });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ matched: false, runs: [], versions: [], productionAffected: false });
    expect(res.body.message).toBe(`no raw dataset of project demo holds a record with hash ${absent}; nothing is affected`);
    const cli = await refinery(['erasure', 'impact', `sha256:${absent}`, '-p', 'demo'], undefined, asAdmin);
    expect(cli.code, cli.stderr).toBe(4);
    expect(cli.stdout).toContain(`sha256:${absent} matches no dataset or artifact of project demo; nothing is affected`);
    const mark = await api('POST', '/api/v1/erasure/marks', { as: 'admin', ...json({ project: 'demo', reference: { type: 'record_hash', value: absent }, reason: 'ER-0' }) });
    expect(mark.status).toBe(404);
    expect(mark.body.error).toMatchObject({ code: 'no_match' });
    expect(mark.body.error.message).toMatch(/nothing was marked$/);
  });

  it('is for admins only: other roles get 403, another project\'s admin 404', async () => {
    for (const role of ['viewer', 'reviewer', 'ml_engineer'] as const) {
      const res = await impact({ type: 'sha256', value: dataset.sha256 }, role);
      expect(res.status, role).toBe(403);
      expect(res.body.error.message).toMatch(/does not allow this \(run an erasure request\)/);
      const mark = await api('POST', '/api/v1/erasure/marks', { as: role, ...json({ project: 'demo', reference: { type: 'sha256', value: dataset.sha256 }, reason: 'x' }) });
      expect(mark.status, role).toBe(403);
    }
    const foreign = await impact({ type: 'sha256', value: dataset.sha256 }, { authorization: `Bearer ${otherToken}` });
    expect(foreign.status).toBe(404);
    const cli = await refinery(['erasure', 'impact', dataset.uri, '-p', 'demo']); // the ML engineer's token
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/ml_engineer role in project demo, which does not allow this/);
  });

  it('marks the version affected (CLI), shows it on the version and the production alias, idempotently, audited with the record hash keyed', async () => {
    // The CLI computes the record hash from the file the same way the server searches.
    const hashed = await refinery(['erasure', 'hash', dataset.file, '--line', String(dataset.recordLine)]);
    expect(hashed.code, hashed.stderr).toBe(0);
    expect(hashed.stdout.trim()).toBe(`record:${dataset.recordHash}`);

    const marked = await refinery(['erasure', 'mark', hashed.stdout.trim(), '-p', 'demo', '--reason', 'ticket ER-1'], undefined, asAdmin);
    expect(marked.code, marked.stderr).toBe(0);
    expect(marked.stdout).toMatch(/^marked 1 version\(s\) affected by record:hmac:[0-9a-f]{64}\n/);
    expect(marked.stdout).toMatch(new RegExp(`  ${MODEL} v\\d+\\n`));
    expect(marked.stdout).toContain('WARNING: a production alias points at an affected version');

    let model = await getModel();
    const version = model.versions.find((v) => v.runId === trained.id)!;
    expect(version.affected).toHaveLength(1);
    expect(version.affected[0]).toMatchObject({ reference: expect.stringMatching(/^record:hmac:[0-9a-f]{64}$/), reason: 'ticket ER-1', actor: expect.stringMatching(/^token:/) });
    expect(version.affected[0]!.reference).not.toContain(dataset.recordHash);
    expect(model.affectedAliases).toEqual(['production']);

    // Again: nothing new, through the API this time.
    const again = await api('POST', '/api/v1/erasure/marks', { as: 'admin', ...json({ project: 'demo', reference: { type: 'record_hash', value: dataset.recordHash }, reason: 'ticket ER-1 again' }) });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    const result = again.body as ErasureMarkResult;
    expect(result.marks).toEqual([{ model: MODEL, version: version.version, created: false }]);
    expect(result.impact.versions.find((v) => v.runId === trained.id)!.affected).toHaveLength(1);
    model = await getModel();
    expect(model.versions.find((v) => v.runId === trained.id)!.affected).toHaveLength(1);

    // The impact query now shows the mark too.
    const now = (await impact({ type: 'sha256', value: dataset.sha256 })).body as ErasureImpact;
    expect(now.versions.find((v) => v.runId === trained.id)!.affected.map((m) => m.reason)).toEqual(['ticket ER-1']);

    // One audit event per new mark, naming the version, with the keyed reference only.
    const { rows } = await database.pool.query(`select actor, data from audit_events where action = 'erasure.marked' and subject_id = $1`, [version.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].data).toMatchObject({ project: 'demo', model: MODEL, version: version.version, reference: version.affected[0]!.reference, reason: 'ticket ER-1' });
    expect(JSON.stringify(rows)).not.toContain(dataset.recordHash);

    // `refinery models get` shows the alias and the version affected.
    const get = await refinery(['models', 'get', MODEL, '-p', 'demo']);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toContain(`production → v${version.version} (AFFECTED by an erasure request)`);
    expect(get.stdout).toContain('WARNING: production points at a version affected by an erasure request');
    expect(get.stdout).toMatch(/AFFECTED: record:hmac:[0-9a-f]{64} "ticket ER-1" by token:/);
  });
});
