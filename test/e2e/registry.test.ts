import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EvaluationSpec, parseStageReport, validateRunSpec, type EvaluateReport, type ModelDetail } from '@refinery/core';
import { connect, createRun, moveAlias, registerVersion, setRunStatus, type Database } from '@refinery/db';
import { gatesActivities, promoteActivities } from '@refinery/pipeline-worker';
import { api, DEMO_SPEC, stackEnv, submitYaml, tokenFor, waitForRun, webUrl } from '../support/api';
import { refinery } from '../support/cli';

/**
 * The model registry on the real stack: runs with a `promotion:` section become versions and move
 * their alias; promotions race safely; a replayed promote activity registers nothing twice;
 * rollback returns the alias to its previous holder; every move is in the alias history.
 */
const MODEL = 'registry-e2e';
let database: Database;

beforeAll(() => {
  database = connect(stackEnv().DATABASE_URL!, { max: 2 });
});
afterAll(async () => {
  await database?.close();
});

function promotedSpec(name: string, quantize = false): string {
  const spec = parse(DEMO_SPEC);
  spec.name = name;
  spec.training = { ...spec.training, maxSteps: 3, epochs: 1 };
  if (quantize) spec.quantization = { formats: ['q8_0'] };
  else delete spec.quantization;
  delete spec.evaluation;
  spec.promotion = { model: MODEL, alias: 'staging' };
  return stringify(spec);
}

const getModel = async (): Promise<ModelDetail> => (await api('GET', `/api/v1/models/${MODEL}?project=demo`)).body;
const promote = (alias: string, version: number, as: 'ml_engineer' | 'reviewer' | 'viewer' = 'ml_engineer') =>
  api('POST', `/api/v1/models/${MODEL}/aliases/${alias}?project=demo`, { as, body: JSON.stringify({ version }), headers: { 'content-type': 'application/json' } });

describe('model registry', () => {
  it('registers each run as a version, races promotions safely, replays idempotently and rolls back', { timeout: 15 * 60_000 }, async () => {
    // Two runs, one after the other: versions 1 and 2, staging on the latest.
    const first = await waitForRun((await submitYaml(promotedSpec('registry-a'))).body.id, undefined, 10 * 60_000);
    const second = await waitForRun((await submitYaml(promotedSpec('registry-b', true))).body.id, undefined, 10 * 60_000);
    for (const run of [first, second]) expect(run.status, run.error ?? '').toBe('succeeded');
    const promoteReport = parseStageReport('promote', second.stages.find((s) => s.stage === 'promote')?.metrics).report;
    expect(promoteReport).toEqual({ model: MODEL, version: 2, alias: 'staging', moved: true, previousVersion: 1 });

    let model = await getModel();
    expect(model.versions.map((v) => [v.version, v.runId])).toEqual([[2, second.id], [1, first.id]]);
    expect(model.aliases).toEqual({ staging: 2 });
    const v2 = model.versions[0]!.record;
    expect(v2.adapter?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(v2.adapter?.sha256).toBe(second.artifacts.find((a) => a.kind === 'adapter')!.sha256);
    expect(v2.data.rawSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(v2.data.redaction?.changed).toBeGreaterThan(0);
    expect(v2.baseModel).toBe('file://examples/models/tiny-llama');

    // A replayed promote activity (the same run, again) registers no second version and moves nothing.
    const replay = await promoteActivities({ db: database.db } as never).promoteModel({ runId: second.id, project: 'demo', model: MODEL, alias: 'staging' });
    expect(replay.report).toEqual({ model: MODEL, version: 2, alias: 'staging', moved: false, previousVersion: 2 });
    expect((await getModel()).versions).toHaveLength(2);

    // Roles: promoting needs model.promote (ML engineer, admin).
    expect((await promote('production', 1, 'reviewer')).status).toBe(403);
    expect((await promote('production', 1, 'viewer')).status).toBe(403);

    // Two concurrent promotions of different versions: both recorded, one consistent alias.
    const race = await Promise.all([promote('production', 1), promote('production', 2)]);
    expect(race.map((r) => r.status)).toEqual([200, 200]);
    model = await getModel();
    const productionMoves = model.history.filter((e) => e.alias === 'production');
    expect(productionMoves).toHaveLength(2);
    expect(productionMoves[1]!.fromVersion).toBe(productionMoves[0]!.toVersion); // serialised, not interleaved
    expect(model.aliases.production).toBe(productionMoves[1]!.toVersion);
    // Moving an alias where it already is changes nothing and records nothing.
    const again = await promote('production', model.aliases.production!);
    expect(again.body.report.moved).toBe(false);
    expect((await getModel()).history.filter((e) => e.alias === 'production')).toHaveLength(2);

    // Rollback (through the CLI) restores the previous holder and is in the history.
    const before = model.aliases.production!;
    const cli = await refinery(['models', 'rollback', `${MODEL}@production`, '-p', 'demo']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout.trim()).toBe(`${MODEL}@production → version ${productionMoves[0]!.toVersion} (was ${before})`);
    model = await getModel();
    expect(model.aliases.production).toBe(productionMoves[0]!.toVersion);
    expect(model.history.at(-1)).toMatchObject({ alias: 'production', action: 'rollback', fromVersion: before, toVersion: productionMoves[0]!.toVersion, actor: expect.stringMatching(/^token:/) });
    // Nothing earlier to roll back to: a clear 409.
    const none = await api('POST', `/api/v1/models/${MODEL}/aliases/production/rollback?project=demo`);
    expect(none.status).toBe(409);
    expect(none.body.error.message).toMatch(/has no earlier version to roll back to/);

    // The model card, from the version's record.
    const card = await fetch(`${webUrl()}/api/v1/models/${MODEL}/versions/2/card?project=demo`, { headers: { authorization: `Bearer ${tokenFor('viewer')}` } });
    expect(card.headers.get('content-type')).toMatch(/^text\/markdown/);
    const markdown = await card.text();
    expect(markdown).toMatch(new RegExp(`^# Model card: demo/${MODEL} v2\n`));
    expect(markdown).toContain(`Adapter: ${v2.adapter!.uri} (sha256 ${v2.adapter!.sha256})`);
    expect(markdown).toContain(`Raw dataset sha256: ${v2.data.rawSha256}`);
    expect(markdown).toContain('Licence: apache-2.0');

    // The playground: a chat turn with v2's GGUF, streamed.
    const turn = await fetch(`${webUrl()}/api/v1/models/${MODEL}/versions/2/generate?project=demo`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokenFor('viewer')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'My parcel never arrived. No rush.' }], maxTokens: 24 }),
    });
    expect(turn.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await turn.text()).split('\n\n').filter(Boolean).map((e) => ({ event: /^event: (.+)$/m.exec(e)![1], data: JSON.parse(/^data: (.*)$/m.exec(e)![1]!) }));
    expect(events[0]).toEqual({ event: 'start', data: { model: MODEL, version: 2, format: 'q8_0', sha256: v2.ggufs[0]!.sha256 } });
    expect(events.filter((e) => e.event === 'token').length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { chunks: expect.any(Number) } });

    const list = await refinery(['models', 'get', MODEL, '-p', 'demo']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(`demo/${MODEL}:`);
    expect(list.stdout).toMatch(/production: rollback v\d → v\d by token:/);
  });

  it('vs: production gates compare with the evaluation of the version production points at, and are skipped without one', { timeout: 5 * 60_000 }, async () => {
    const db = database.db;
    const spec = validateRunSpec({ ...parse(DEMO_SPEC), name: 'gates-vs-production' });
    if (!spec.ok) throw new Error(JSON.stringify(spec.issues));
    const gates = gatesActivities({ db } as never);
    const evaluation = EvaluationSpec.parse({ metrics: ['exact_match'], gates: [{ metric: 'exact_match', vs: 'production', minDelta: -0.05 }] });
    const evaluated = (exact: number): EvaluateReport => ({ examples: 10, variants: [{ variant: 'merged', loss: 1, perplexity: 2.7, metrics: { exact_match: exact }, bytes: null, seconds: 1, examplesPerSecond: 1 }], samples: [], leakage: null, canaries: null });
    const model = { project: 'demo', name: 'gates-vs-production' };

    const first = await gates.checkRunGates({ runId: 'run_gates_a', evaluation, evaluated: evaluated(0.5), model });
    expect(first.report.results[0]).toMatchObject({ passed: null, note: 'skipped: the model has no evaluated production version yet' });

    // A production version whose record holds an evaluation (exact_match 0.8).
    const run = (await createRun(db, { spec: spec.spec, specSha256: 'x', actor: 'system:test' })).run;
    // A row only (no workflow): ended, so later suites that wait for a quiet stack do not wait on it.
    await setRunStatus(db, run.id, { status: 'cancelled' });
    const record = { ...(await getModel()).versions[0]!.record, runId: run.id, evaluation: evaluated(0.8) };
    const { version } = await registerVersion(db, { projectId: 'demo', model: model.name, record });
    await moveAlias(db, { projectId: 'demo', model: model.name, alias: 'production', version: version.version, actor: 'system:test' });
    const worse = await gates.checkRunGates({ runId: 'run_gates_b', evaluation, evaluated: evaluated(0.5), model });
    expect(worse.report.results[0]).toMatchObject({ passed: false, value: 0.5, reference: 0.8 });
    const asGood = await gates.checkRunGates({ runId: 'run_gates_c', evaluation, evaluated: evaluated(0.78), model });
    expect(asGood.report.results[0]).toMatchObject({ passed: true, reference: 0.8 });
  });
});
