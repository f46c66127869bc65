import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { STAGE_DEFINITIONS, type RunDetail } from '@refinery/core';
import { DEMO_SPEC, stackEnv, submitYaml, waitForRun } from '../support/api';
import { receivedSpans, type ReceivedSpan } from '../support/otlp-receiver';

/**
 * Traces (issue 13): every process of the test stack exports to the suite's OTLP receiver
 * (test/support/global-setup.ts). One run through every automatic stage (ingest → redact →
 * split → train → merge → quantize → evaluate → gates; approval and promotion wait for people),
 * kept small: 3 training steps, f16 only, 2 evaluation examples of 4 tokens.
 */
function tracedSpec(): string {
  const spec = parse(DEMO_SPEC);
  spec.name = 'traced-run';
  spec.training = { ...spec.training, epochs: 1, maxSteps: 3, checkpointEvery: 100 };
  spec.quantization = { formats: ['f16'] };
  spec.evaluation = { metrics: ['json_valid'], maxExamples: 2, maxNewTokens: 4, leakageProbe: false, gates: [{ metric: 'json_valid', min: 0 }] };
  return stringify(spec);
}

const SERVER = 2; // OTLP SpanKind
const SERVICE_OF_QUEUE = { pipeline: 'refinery-pipeline-worker', gpu: 'refinery-gpu-worker' } as const;

/** The run's trace once the workflow's span and `verbs`' trainer spans have arrived (batches leave every second). */
async function traceOf(traceId: string, verbs: string[], timeoutMs = 30_000): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const spans = receivedSpans(inject('otlpSpansFile'), traceId);
    const names = new Set(spans.map((s) => s.name));
    if ((names.has('RunWorkflow:fineTuneRun') && verbs.every((v) => names.has(`trainer ${v}`))) || Date.now() > deadline) return spans;
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('traces', () => {
  it('one trace runs from the API request through the workflow and every stage to the trainer, in each verb', { timeout: 10 * 60_000 }, async () => {
    // The caller's own trace context: the API continues it, and the run remembers its trace id.
    const callerTraceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const submitted = await submitYaml(tracedSpec(), { traceparent: `00-${callerTraceId}-${callerSpanId}-01` });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const run: RunDetail = await waitForRun(submitted.body.id, undefined, 8 * 60_000);
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    const stages = run.stages.map((s) => s.stage);
    expect(stages).toEqual(['ingest', 'redact', 'split', 'train', 'merge', 'quantize', 'evaluate', 'gates']);
    expect(run.traceId).toBe(callerTraceId);
    expect(run.traceUrl).toBe(stackEnv().REFINERY_TRACE_URL_TEMPLATE!.replace('{traceId}', callerTraceId));

    const verbOf = (stage: (typeof stages)[number]) => (STAGE_DEFINITIONS[stage] as { trainerVerb?: string }).trainerVerb;
    const verbs = stages.flatMap((s) => verbOf(s) ?? []);
    expect(verbs).toEqual(['train', 'merge', 'quantize', 'evaluate']);
    const spans = await traceOf(callerTraceId, verbs);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const one = (name: string) => {
      const found = spans.filter((s) => s.name === name);
      expect(found.map((s) => s.name), `spans named ${name} in the trace (have: ${[...new Set(spans.map((s) => s.name))].join(', ')})`).toEqual([name]);
      return found[0]!;
    };
    const parentOf = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
    const ancestors = (s: ReceivedSpan) => {
      const chain: ReceivedSpan[] = [];
      for (let p = parentOf(s); p; p = parentOf(p)) chain.push(p);
      return chain;
    };

    // Every span's parent is in the trace, except the root's: the caller's span.
    const roots = spans.filter((s) => !parentOf(s));
    expect(roots.map((s) => [s.name, s.parentSpanId])).toEqual([[roots[0]!.name, callerSpanId]]);

    // The route wrapper's span (Next.js's own request span has the same name, without our request id).
    const requests = spans.filter((s) => s.name === 'POST /api/v1/runs' && s.attributes['refinery.request_id']);
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request).toMatchObject({ service: 'refinery-web', kind: SERVER, attributes: { 'http.route': '/api/v1/runs', 'http.response.status_code': 201 } });
    expect(request.attributes['refinery.request_id']).toBe(submitted.headers.get('x-request-id'));
    const start = one('StartWorkflow:fineTuneRun');
    expect(start.service).toBe('refinery-web');
    expect(ancestors(start)).toContain(request);
    const workflow = one('RunWorkflow:fineTuneRun');
    expect(workflow.service).toBe('refinery-pipeline-worker');
    expect(parentOf(workflow)).toBe(start);

    for (const stage of stages) {
      const { activity, queue } = STAGE_DEFINITIONS[stage];
      const execution = one(`RunActivity:${activity}`);
      expect(execution.service, stage).toBe(SERVICE_OF_QUEUE[queue]);
      expect(execution.attributes.temporalWorkflowId, stage).toBe(run.id); // the workflow id is the run id
      expect(parentOf(execution)?.name, stage).toBe(`StartActivity:${activity}`);
      expect(ancestors(execution), stage).toContain(workflow);
    }

    for (const verb of verbs) {
      const stage = stages.find((s) => verbOf(s) === verb)!;
      const trainer = one(`trainer ${verb}`);
      expect(trainer.service).toBe('refinery-trainer');
      expect(parentOf(trainer)?.name, verb).toBe(`RunActivity:${STAGE_DEFINITIONS[stage].activity}`);
      expect(trainer.attributes, verb).toMatchObject({ 'refinery.trainer.verb': verb, 'refinery.run_id': run.id, 'refinery.trainer.outcome': 'done', 'process.exit.code': 0 });
    }
    const train = one('trainer train').attributes;
    expect(train['refinery.trainer.steps']).toBe(3);
    expect(train['refinery.trainer.tokens']).toBeGreaterThan(0);
  });
});
