import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { LineageGraph, LineageNode, RunDetail } from '@refinery/core';
import { api, DEMO_SPEC, sessionOf, submitYaml, waitForRun } from '../support/api';
import { refinery } from '../support/cli';

/**
 * The lineage graph on the real stack, after one small run that goes the whole way: ingest,
 * redact, split, train (3 steps), merge, quantize (q8_0), evaluate, gates (onFail: review), an
 * approval by the demo reviewer, and promote. Every artifact reaches the raw dataset upstream;
 * the registry version reaches its approval and, through the whole chain, the raw dataset;
 * direction and depth bound the answer; another project's caller and bad references are refused.
 */
const MODEL = 'lineage-e2e';
let run: RunDetail;

function lineageSpec(): string {
  const spec = parse(DEMO_SPEC);
  spec.name = 'lineage-chain';
  spec.training = { ...spec.training, maxSteps: 3, epochs: 1 };
  spec.quantization = { formats: ['q8_0'] };
  spec.evaluation = { metrics: ['json_valid'], maxExamples: 4, maxNewTokens: 8, gates: [{ metric: 'json_valid', min: 0.9 }], onFail: 'review' };
  spec.approval = { timeout: '1h' };
  spec.promotion = { model: MODEL, alias: 'staging' };
  // The graph asserted here is one computed chain; a reused stage adds `reused_from` edges to an
  // earlier run's artifacts (test/e2e/step-cache.test.ts asserts those).
  spec.cache = { ingest: false, redact: false, split: false };
  return stringify(spec);
}

const lineage = async (query: Record<string, string>, as: NonNullable<Parameters<typeof api>[2]>['as'] = 'viewer') => api('GET', `/api/v1/lineage?${new URLSearchParams(query)}`, { as });
const graphOf = async (query: Record<string, string>): Promise<LineageGraph> => {
  const res = await lineage(query);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as LineageGraph;
};

/** True when `to` is reachable from `from` following the graph's edges forwards. */
function reaches(graph: LineageGraph, from: string, to: string): boolean {
  const next = new Map<string, string[]>();
  for (const e of graph.edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length) {
    const id = queue.shift()!;
    if (id === to) return true;
    for (const n of next.get(id) ?? []) if (!seen.has(n)) (seen.add(n), queue.push(n));
  }
  return false;
}

const artifactNode = (graph: LineageGraph, kind: string) => graph.nodes.find((n): n is Extract<LineageNode, { type: 'artifact' }> => n.type === 'artifact' && n.kind === kind && n.runId === run.id);

describe('lineage graph', () => {
  beforeAll(async () => {
    const submitted = await submitYaml(lineageSpec());
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const waiting = await waitForRun(submitted.body.id, (r) => r.status === 'awaiting_approval' || ['failed', 'cancelled', 'rejected'].includes(r.status), 10 * 60_000);
    expect(waiting.status, waiting.error ?? '').toBe('awaiting_approval');
    const decided = await api('POST', `/api/v1/runs/${waiting.id}/approval`, { as: 'reviewer', body: JSON.stringify({ decision: 'approve', comment: 'lineage e2e' }), headers: { 'content-type': 'application/json' } });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    run = await waitForRun(waiting.id, undefined, 5 * 60_000);
    expect(run.status, run.error ?? '').toBe('succeeded');
  }, 15 * 60_000);

  it('connects every artifact upstream to the raw dataset, and the version through its approval to the whole chain', async () => {
    const raw = run.artifacts.find((a) => a.kind === 'raw_dataset')!;
    expect(new Set(run.artifacts.map((a) => a.kind))).toEqual(new Set(['raw_dataset', 'redacted_dataset', 'redaction_report', 'train_split', 'eval_split', 'adapter', 'merged_model', 'gguf', 'eval_report']));
    for (const a of run.artifacts) {
      const up = await graphOf({ node: a.id, direction: 'up' });
      expect(up.start, a.kind).toEqual([`artifact:${a.id}`]);
      expect(reaches(up, `artifact:${raw.id}`, `artifact:${a.id}`), `${a.kind} has a path up to the raw dataset`).toBe(true);
      // Up means up: nothing made from the artifact is in the answer.
      expect(up.nodes.every((n) => n.type !== 'version'), a.kind).toBe(true);
    }

    const version = await graphOf({ node: `demo/${MODEL}@v1`, direction: 'up' });
    const v = version.nodes.find((n) => n.type === 'version')!;
    expect(v).toMatchObject({ id: version.start[0], label: `${MODEL}@v1`, project: 'demo', href: `/models/demo/${MODEL}#v1`, depth: 0, aliases: ['staging'], runId: run.id });
    const approval = version.nodes.find((n) => n.type === 'approval');
    expect(approval).toMatchObject({ id: `approval:${run.id}`, outcome: 'approved', decisions: [{ decision: 'approve', comment: 'lineage e2e', actor: expect.stringMatching(/^user:/) }] });
    expect(version.edges).toContainEqual({ from: `approval:${run.id}`, to: v.id, type: 'approved', relation: null });
    // raw dataset → redacted → split → adapter → merged → GGUF → eval report → approval → version, one path.
    const chain = ['raw_dataset', 'redacted_dataset', 'train_split', 'adapter', 'merged_model', 'gguf', 'eval_report'].map((kind) => artifactNode(version, kind)!.id);
    for (const [from, to] of [...chain.slice(1).map((id, i) => [chain[i]!, id]), [chain.at(-1)!, approval!.id], [approval!.id, v.id]] as [string, string][]) {
      expect(reaches(version, from, to), `${from} → ${to}`).toBe(true);
    }
    // Stages are nodes of their own (one per stage, not per attempt), each part of the run.
    const stages = version.nodes.filter((n) => n.type === 'stage').map((n) => (n.type === 'stage' ? n.stage : ''));
    expect(new Set(stages)).toEqual(new Set(['ingest', 'redact', 'split', 'train', 'merge', 'quantize', 'evaluate', 'gates', 'promote']));
    expect(version.edges).toContainEqual({ from: `stage:${run.id}:train`, to: `run:${run.id}`, type: 'part_of', relation: null });
    expect(version.edges).toContainEqual({ from: artifactNode(version, 'train_split')!.id, to: `stage:${run.id}:train`, type: 'consumed', relation: 'trained_on' });
    expect(version.edges).toContainEqual({ from: `stage:${run.id}:quantize`, to: artifactNode(version, 'gguf')!.id, type: 'produced', relation: null });
    expect(version.edges).toContainEqual({ from: artifactNode(version, 'adapter')!.id, to: v.id, type: 'registered', relation: null });
    // Click-through targets.
    expect(artifactNode(version, 'adapter')!.href).toMatch(/^\/api\/v1\/artifacts\/art_\w+\/content$/);
    expect(version.nodes.find((n) => n.type === 'run')!.href).toBe(`/runs/${run.id}`);
    expect(approval!.href).toBe(`/runs/${run.id}#stage-approval`);

    // The alias names the same version.
    const byAlias = await graphOf({ node: `demo/${MODEL}@staging`, direction: 'up', depth: '1' });
    expect(byAlias.start).toEqual(version.start);
  });

  it('follows direction and depth', async () => {
    const raw = run.artifacts.find((a) => a.kind === 'raw_dataset')!;
    // Down from the raw dataset (by its sha256: every artifact with that content in the caller's projects).
    const down = await graphOf({ node: raw.sha256, direction: 'down' });
    expect(down.start).toContain(`artifact:${raw.id}`);
    const version = down.nodes.find((n) => n.type === 'version' && n.runId === run.id);
    expect(version, 'the raw dataset leads to the registry version').toBeDefined();
    expect(reaches(down, `artifact:${raw.id}`, version!.id)).toBe(true);
    expect(down.nodes.some((n) => n.id === `stage:${run.id}:ingest`), 'the raw dataset\'s producer is upstream').toBe(false);

    const one = await graphOf({ node: raw.id, direction: 'down', depth: '1' });
    expect(one.nodes.filter((n) => n.type === 'artifact').map((n) => (n.type === 'artifact' ? n.kind : '')).sort()).toEqual(['raw_dataset', 'redacted_dataset']);
    expect(one.nodes.map((n) => n.type).sort()).toEqual(['artifact', 'artifact', 'run', 'stage']);
    expect(Math.max(...one.nodes.map((n) => n.depth ?? 0))).toBe(1);

    const up = await graphOf({ node: raw.id, direction: 'up' });
    expect(up.nodes.map((n) => n.id).sort()).toEqual([`artifact:${raw.id}`, `run:${run.id}`, `stage:${run.id}:ingest`].sort());

    const shallow = await graphOf({ node: `demo/${MODEL}@v1`, direction: 'up', depth: '2' });
    expect(shallow.nodes.some((n) => n.type === 'artifact' && n.kind === 'raw_dataset')).toBe(false);
    expect(shallow.nodes.some((n) => n.type === 'artifact' && n.kind === 'train_split')).toBe(true);

    // A run is shown whole, and both ways from an artifact is the union of up and down.
    const whole = await graphOf({ node: run.id });
    expect(whole.nodes.filter((n) => n.type === 'artifact')).toHaveLength(run.artifacts.length);
    const both = await graphOf({ node: run.artifacts.find((a) => a.kind === 'adapter')!.id, direction: 'both' });
    expect(both.nodes.some((n) => n.type === 'artifact' && n.kind === 'raw_dataset')).toBe(true);
    expect(both.nodes.some((n) => n.type === 'version')).toBe(true);
    expect(both.nodes.some((n) => n.type === 'artifact' && n.kind === 'redaction_report'), 'a sibling is neither up nor down').toBe(false);
  });

  it("answers another project's caller 404, as for a missing node, and bad references 400", async () => {
    await api('POST', '/api/v1/projects', { as: sessionOf('admin'), body: JSON.stringify({ id: 'lineage-other' }), headers: { 'content-type': 'application/json' } });
    const token = await api('POST', '/api/v1/tokens', { as: sessionOf('admin'), body: JSON.stringify({ name: 'lineage', project: 'lineage-other', role: 'admin', expiresInDays: 1 }), headers: { 'content-type': 'application/json' } });
    expect(token.status, JSON.stringify(token.body)).toBe(201);
    const other = { authorization: `Bearer ${token.body.token}` };
    const raw = run.artifacts.find((a) => a.kind === 'raw_dataset')!;
    for (const node of [run.id, raw.id, raw.sha256, `demo/${MODEL}@v1`]) {
      const res = await lineage({ node }, other);
      expect(res.status, node).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const missing = await lineage({ node: 'run_000000000000000000000' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('no run "run_000000000000000000000"');

    const bad = await lineage({ node: 'not-a-node' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_query', message: expect.stringMatching(/node: not a lineage start node; use an artifact sha256 .* <project>\/<model>@v<N>/) });
    expect((await api('GET', '/api/v1/lineage', { as: 'viewer' })).body.error.message).toMatch(/name the start node/);
    expect((await lineage({ node: run.id, depth: '0' })).status).toBe(400);
    expect((await lineage({ node: run.id, depth: '51' })).body.error.message).toMatch(/depth is at most 50/);
    expect((await lineage({ node: run.id, direction: 'sideways' })).body.error.message).toMatch(/direction/);
  });

  it('prints a tree in the terminal, and the API body with --json', async () => {
    const tree = await refinery(['lineage', `demo/${MODEL}@v1`, '--direction', 'up']);
    expect(tree.code, tree.stderr).toBe(0);
    expect(tree.stdout).toContain('upstream (where it came from)');
    expect(tree.stdout).not.toContain('downstream');
    const lines = tree.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('version'))).toMatch(new RegExp(`demo/${MODEL}@v1 \\(staging\\)`));
    const rawSha = run.artifacts.find((a) => a.kind === 'raw_dataset')!.sha256;
    // The raw dataset sits deeper in the tree than the version's direct inputs, with its short sha.
    const rawLine = lines.find((l) => /artifact\s+raw_dataset/.test(l) && !l.includes('shown above'))!;
    expect(rawLine).toContain(rawSha.slice(0, 12));
    expect(rawLine.indexOf('artifact')).toBeGreaterThan(lines.find((l) => /artifact\s+adapter/.test(l))!.indexOf('artifact'));
    expect(tree.stdout).toMatch(/approval\s+approved approve by user:/);

    const json = await refinery(['lineage', run.id, '--json', '--depth', '3']);
    expect(json.code, json.stderr).toBe(0);
    const body = JSON.parse(json.stdout) as LineageGraph;
    expect(body).toEqual(await graphOf({ node: run.id, depth: '3' }));

    const bad = await refinery(['lineage', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a lineage start node/);
  });
});
