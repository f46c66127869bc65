import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ENTITY_TYPES } from '@refinery/redaction';
import { isTerminalRunStatus, parseStageReport, type RunDetail } from '@refinery/core';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { api, DEMO_SPEC, DEMO_SPEC_FULL, submitYaml, waitForRun } from '../support/api';

/**
 * After training, on the real stack: merge → quantize (llama.cpp) → evaluate (every variant) →
 * gates, for the demo spec as `npm start` seeds it, and a run whose gate cannot pass.
 */
const report = <S extends 'merge' | 'quantize' | 'evaluate' | 'gates' | 'promote'>(run: RunDetail, stage: S) => {
  const s = run.stages.filter((x) => x.stage === stage).at(-1);
  const parsed = parseStageReport(stage, s?.metrics);
  if (!parsed.report) throw new Error(`${stage}: ${parsed.mismatch ?? 'no report'} (${JSON.stringify(s)})`);
  return parsed.report;
};

/**
 * The demo dataset, with each reply naming its department's case owner by email: the kind of
 * personal data a support transcript carries, the same few addresses in hundreds of answers.
 */
function datasetWithCaseOwnerEmails(): string {
  const owners: Record<string, string> = {
    billing: 'lena.hartmann@acmesupport.com',
    technical: 'raj.iyer@acmesupport.com',
    shipping: 'tomas.novak@acmesupport.com',
    account: 'grace.okafor@acmesupport.com',
    returns: 'yuki.tanaka@acmesupport.com',
  };
  const lines = readFileSync(join(REPO_ROOT, 'examples/datasets/support-tickets.jsonl'), 'utf8').trim().split('\n');
  return lines
    .map((line) => {
      const record = JSON.parse(line) as { messages: { role: string; content: string }[] };
      const answer = record.messages.at(-1)!;
      const parsed = JSON.parse(answer.content) as { department: string; reply: string };
      answer.content = JSON.stringify({ ...parsed, reply: `Your case owner is ${owners[parsed.department]}. ${parsed.reply}` });
      return JSON.stringify(record);
    })
    .join('\n');
}

/**
 * A canary the model never saw ranks uniformly among its 1000 candidates: mean exposure
 * log2(e) ≈ 1.44 bits; the mean of four passes 4 bits about once in 300 draws. Seen once per
 * epoch, the demo's canaries rank near the top (7.9 and 8.1 bits measured). Four canaries are too
 * few to order two similar setups, so each run is held to the same bar, not to the other.
 */
const MEMORISED_BITS = 4;

describe('the model that comes out', () => {
  it('the demo run trains, merges, quantizes, evaluates every variant, passes its gates, is approved by the reviewer and promoted', { timeout: 30 * 60_000 }, async () => {
    const submitted = await submitYaml(DEMO_SPEC_FULL.replace('name: support-router', 'name: demo-full'));
    expect(submitted.status).toBe(201);
    const waiting = await waitForRun(submitted.body.id, (r) => r.status === 'awaiting_approval' || isTerminalRunStatus(r.status), 25 * 60_000);
    expect(waiting.error).toBeNull();
    expect(waiting.status).toBe('awaiting_approval');
    // The seeded reviewer approves through the API (the submitter is the ML engineer's token).
    const decided = await api('POST', `/api/v1/runs/${waiting.id}/approval`, { as: 'reviewer', body: JSON.stringify({ decision: 'approve', comment: 'every gate passed; samples read' }), headers: { 'content-type': 'application/json' } });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const run = await waitForRun(waiting.id);
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    expect(run.stages.filter((s) => s.status === 'succeeded').map((s) => s.stage)).toEqual(['ingest', 'redact', 'split', 'train', 'merge', 'quantize', 'evaluate', 'gates', 'approval', 'promote']);
    const promoted = report(run, 'promote');
    expect(promoted).toMatchObject({ model: 'demo-full', alias: 'staging', moved: true });
    const model = (await api('GET', `/api/v1/models/demo-full?project=demo`)).body;
    expect(model.aliases.staging).toBe(promoted.version);
    expect(model.versions[0].record.approval.decisions[0]).toMatchObject({ decision: 'approve', comment: 'every gate passed; samples read' });

    const spec = parse(DEMO_SPEC);
    const quantize = report(run, 'quantize');
    expect(quantize.tokenizerParity).toBe(true);
    expect(quantize.files.map((f) => f.format)).toEqual(spec.quantization.formats);
    for (const f of quantize.files) expect(f.sample.length, `${f.format} generated nothing in node-llama-cpp`).toBeGreaterThan(0);
    // Smaller formats are smaller files.
    const size = (format: string) => quantize.files.find((f) => f.format === format)!.bytes;
    expect(size('q8_0')).toBeLessThan(size('f16'));
    expect(size('q4_K_M')).toBeLessThan(size('q8_0'));

    const evaluated = report(run, 'evaluate');
    const variant = (name: string) => evaluated.variants.find((v) => v.variant === name)!;
    expect(evaluated.variants.map((v) => v.variant)).toEqual(['base', 'merged', ...quantize.files.map((f) => f.variant)]);
    // The figures docs/benchmarks.md quotes, printed for each run.
    for (const v of evaluated.variants) console.log(`demo ${v.variant}: ${Object.entries(v.metrics).map(([k, x]) => `${k} ${x?.toFixed(3)}`).join(', ')}`);
    console.log(`demo: ${evaluated.examples} examples; leakage ${JSON.stringify(evaluated.leakage)}; canaries ${JSON.stringify(evaluated.canaries)}`);
    // The tuned model learned the task the base never saw: the answer's form, and every field by a
    // wide margin (chance: department 0.2, priority 0.33).
    expect(variant('base').metrics.json_valid).toBe(0);
    expect(variant('merged').metrics.json_valid).toBeGreaterThan(0.9);
    // Priority is the hardest field for the 1 M-parameter model, and the reply follows from
    // department and priority: 0.41 to 0.56 measured, depending on the split (the project's
    // redaction key decides it); the base scores 0.
    for (const [field, margin] of [['department', 0.5], ['reply', 0.3], ['priority', 0.3]] as const) {
      const win = variant('merged').metrics[`field_match.${field}`]! - variant('base').metrics[`field_match.${field}`]!;
      expect(win, `field_match.${field}: merged − base`).toBeGreaterThan(margin);
    }
    expect(variant('base').metrics.answer_loss! - variant('merged').metrics.answer_loss!).toBeGreaterThan(1);
    // Privacy checks ran: no generation repeats a raw PII value; the canaries were ranked.
    // One probe per evaluated example (at most maxExamples; the split's size depends on the project's redaction key).
    expect(evaluated.examples).toBeGreaterThan(40);
    expect(evaluated.examples).toBeLessThanOrEqual(spec.evaluation.maxExamples);
    expect(evaluated.leakage).toMatchObject({ prompts: evaluated.examples, leakingGenerations: 0 });
    expect(evaluated.leakage!.rawValues).toBeGreaterThan(100);
    expect(evaluated.canaries!.exposures).toHaveLength(spec.evaluation.canaries);
    expect(variant('merged').metrics.canary_exposure).toBeCloseTo(evaluated.canaries!.meanExposure);
    expect(evaluated.canaries!.meanExposure).toBeGreaterThan(MEMORISED_BITS);
    // f16 is the merged model in another file format.
    expect(Math.abs(variant('gguf-f16').perplexity! / variant('merged').perplexity! - 1)).toBeLessThan(0.001);
    expect(evaluated.samples.length).toBeGreaterThan(0);

    const gates = report(run, 'gates');
    expect(gates.passed).toBe(true);
    expect(gates.results.length).toBe(spec.evaluation.gates.length);
    expect(run.artifacts.map((a) => a.kind)).toEqual(expect.arrayContaining(['adapter', 'merged_model', 'gguf', 'eval_report']));

    // Lineage (issue 11 proof): every artifact has a path up to the raw dataset; the version has one
    // to its approval (test/e2e/lineage.test.ts covers the graph in detail).
    type Graph = { nodes: { id: string; type: string }[]; edges: { from: string; to: string; type: string }[] };
    const lineage = async (node: string): Promise<Graph> => (await api('GET', `/api/v1/lineage?${new URLSearchParams({ node, direction: 'up' })}`)).body;
    const reaches = (g: Graph, from: string, to: string) => {
      const seen = new Set([from]);
      const queue = [from];
      while (queue.length) {
        const id = queue.shift()!;
        for (const e of g.edges) if (e.from === id && !seen.has(e.to)) (seen.add(e.to), queue.push(e.to));
      }
      return seen.has(to);
    };
    const rawArtifact = run.artifacts.find((a) => a.kind === 'raw_dataset')!;
    for (const a of run.artifacts) expect(reaches(await lineage(a.id), `artifact:${rawArtifact.id}`, `artifact:${a.id}`), `${a.kind} ← raw dataset`).toBe(true);
    const versionGraph = await lineage(`demo/demo-full@v${promoted.version}`);
    const versionNode = versionGraph.nodes.find((n) => n.type === 'version')!.id;
    expect(versionGraph.edges).toContainEqual({ from: `approval:${run.id}`, to: versionNode, type: 'approved', relation: null });
    expect(reaches(versionGraph, `artifact:${rawArtifact.id}`, versionNode)).toBe(true);

    // Erasure: a query from the raw dataset lists this version; marking from this run's raw dataset
    // (its artifact id: only this run) shows it affected in the registry.
    const raw = run.artifacts.find((a) => a.kind === 'raw_dataset')!;
    const erasure = (path: string, body: unknown) => api('POST', `/api/v1/erasure/${path}`, { as: 'admin', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const impact = await erasure('impact', { project: 'demo', reference: { type: 'sha256', value: raw.sha256 } });
    expect(impact.status, JSON.stringify(impact.body)).toBe(200);
    expect(impact.body.versions).toContainEqual(expect.objectContaining({ model: 'demo-full', version: promoted.version, runId: run.id, aliases: ['staging'] }));
    const marked = await erasure('marks', { project: 'demo', reference: { type: 'artifact', value: raw.id }, reason: 'e2e erasure request' });
    expect(marked.status, JSON.stringify(marked.body)).toBe(200);
    expect(marked.body.marks).toEqual([{ model: 'demo-full', version: promoted.version, created: true }]);
    const after = (await api('GET', `/api/v1/models/demo-full?project=demo`)).body;
    expect(after.versions[0].affected).toEqual([expect.objectContaining({ reference: `artifact:${raw.id}`, reason: 'e2e erasure request' })]);
    expect(after.affectedAliases).toEqual(['staging']);
  });

  it('a gate that cannot pass ends the run rejected with the gate and its number', { timeout: 15 * 60_000 }, async () => {
    const spec = parse(DEMO_SPEC);
    spec.name = 'gate-rejects';
    spec.training = { ...spec.training, maxSteps: 3, epochs: 1 };
    spec.quantization = { formats: ['f16'] };
    spec.evaluation = { metrics: ['exact_match'], maxExamples: 5, maxNewTokens: 16, gates: [{ metric: 'perplexity', variant: 'gguf-f16', max: 1.0 }] };
    const run = await waitForRun((await submitYaml(stringify(spec))).body.id, undefined, 12 * 60_000);
    expect(run.status).toBe('rejected');
    expect(run.error).toMatch(/^rejected by gates: gguf-f16 perplexity ≤ 1 \(\d+(\.\d+)?\)$/);
    const gates = report(run, 'gates');
    expect(gates).toMatchObject({ passed: false, results: [expect.objectContaining({ passed: false, variant: 'gguf-f16', metric: 'perplexity' })] });
  });

  it('a policy that leaves emails in, trained until memorised: the probe finds them and the pii_leakage gate rejects the run', { timeout: 20 * 60_000 }, async () => {
    const upload = await api('POST', '/api/v1/uploads?project=demo', { body: datasetWithCaseOwnerEmails(), headers: { 'content-type': 'application/octet-stream' } });
    expect(upload.status).toBe(201);
    const spec = parse(DEMO_SPEC);
    spec.name = 'leaks-emails';
    spec.dataset = { uri: upload.body.uri, format: 'chat' };
    spec.redaction = { ...spec.redaction, entities: ENTITY_TYPES.filter((t) => t !== 'EMAIL'), keep: ['EMAIL'] }; // deliberately, and said so
    spec.training = { ...spec.training, epochs: 6 }; // more than the demo's 5: memorises harder
    delete spec.quantization;
    spec.evaluation = { metrics: ['json_valid'], maxExamples: 20, maxNewTokens: 40, canaries: 4, gates: [{ metric: 'pii_leakage', max: 0 }] };
    const run = await waitForRun((await submitYaml(stringify(spec))).body.id, undefined, 18 * 60_000);
    expect(run.status).toBe('rejected');
    expect(run.error).toMatch(/^rejected by gates: merged pii_leakage ≤ 0 \([1-9]\d*\)$/);

    const evaluated = report(run, 'evaluate');
    console.log(`leak run: leakage ${JSON.stringify(evaluated.leakage)}; canaries ${JSON.stringify(evaluated.canaries)}`);
    expect(evaluated.leakage!.leakingGenerations).toBeGreaterThan(0);
    expect(evaluated.leakage!.byType).toMatchObject({ EMAIL: expect.any(Number) });
    expect(evaluated.variants.find((v) => v.variant === 'merged')!.metrics.pii_leakage).toBe(evaluated.leakage!.leakingGenerations);
    // The report says where, never what: no address appears anywhere in the run's record.
    expect(JSON.stringify(run)).not.toMatch(/acmesupport\.com/);
    // The planted canaries were memorised too (6.6 and 9.7 bits measured).
    expect(evaluated.canaries!.meanExposure).toBeGreaterThan(MEMORISED_BITS);
  });
});
