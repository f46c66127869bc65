import { describe, expect, it } from 'vitest';
import { datasetName, openLineageDedupeKey, openLineageRunId, pipelineRunEvent, stageRunEvent, uuidV5, type OpenLineageRunEvent } from '../src';
import { openLineageProblems } from '../../../test/support/openlineage';

const run = { runId: 'run_01jabc', project: 'support', runName: 'support-router' };
const at = new Date('2026-11-30T10:00:00.000Z');
const sha = (c: string) => c.repeat(64);

const ingestComplete = stageRunEvent({
  eventType: 'COMPLETE',
  eventTime: at,
  run,
  stage: 'ingest',
  inputs: [{ uri: 'file://examples/datasets/support.jsonl' }],
  outputs: [{ uri: `object://sha256/${sha('a')}`, sha256: sha('a'), bytes: 12_345, format: 'chat', rowCount: 600 }],
});
const trainComplete = stageRunEvent({
  eventType: 'COMPLETE',
  eventTime: at,
  run,
  stage: 'train',
  inputs: [
    { uri: 'hf://acme/base-1b' },
    { uri: `object://sha256/${sha('b')}`, sha256: sha('b'), bytes: 10_000, format: 'prompt_completion', rowCount: 540 },
  ],
  outputs: [{ uri: `object://sha256/${sha('c')}`, sha256: sha('c'), bytes: 2_000_000 }],
});
const splitFailed = stageRunEvent({ eventType: 'FAIL', eventTime: at, run, stage: 'split', inputs: [{ uri: `object://sha256/${sha('d')}`, sha256: sha('d'), format: 'text' }], outputs: [], error: 'the split left no training records (3 eval)' });
const events: [string, OpenLineageRunEvent][] = [
  ['pipeline START', pipelineRunEvent({ eventType: 'START', eventTime: at, run })],
  ['pipeline COMPLETE', pipelineRunEvent({ eventType: 'COMPLETE', eventTime: at, run })],
  ['pipeline FAIL', pipelineRunEvent({ eventType: 'FAIL', eventTime: at, run, error: 'rejected by gates: merged exact_match (0.2)' })],
  ['pipeline ABORT', pipelineRunEvent({ eventType: 'ABORT', eventTime: at, run })],
  ['ingest START', stageRunEvent({ eventType: 'START', eventTime: at, run, stage: 'ingest', inputs: [{ uri: 'file://examples/datasets/support.jsonl' }], outputs: [] })],
  ['ingest COMPLETE (chat records)', ingestComplete],
  ['train COMPLETE (prompt_completion in, model out)', trainComplete],
  ['split FAIL (text, error facet)', splitFailed],
];

describe('OpenLineage events', () => {
  it.each(events)('%s validates against the committed OpenLineage 2-0-2 RunEvent and facet schemas', (_name, event) => {
    expect(openLineageProblems(JSON.parse(JSON.stringify(event)))).toEqual([]);
  });

  it('the validator catches what the schemas forbid (it can fail)', () => {
    const bad = JSON.parse(JSON.stringify(ingestComplete));
    bad.run.runId = 'run_01jabc'; // not a UUID
    bad.eventType = 'FINISHED';
    delete bad.job.facets.jobType.integration;
    bad.outputs[0].outputFacets.outputStatistics.rowCount = 'six hundred';
    bad.outputs[0].facets.version._schemaURL = 'https://openlineage.io/spec/facets/9-9-9/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet';
    bad.run.facets.parent.run.runId = 'nope';
    const problems = openLineageProblems(bad).join('\n');
    expect(problems).toMatch(/RunEvent: .*\/run\/runId must match format "uuid"/);
    expect(problems).toMatch(/eventType must be equal to one of the allowed values/);
    expect(problems).toMatch(/job\.facets\.jobType .*must have required property 'integration'/);
    expect(problems).toMatch(/outputs\[0\]\.outputFacets\.outputStatistics .*rowCount must be integer/);
    expect(problems).toMatch(/outputs\[0\]\.facets\.version: _schemaURL .* is not one of the committed facet schemas/);
    expect(problems).toMatch(/run\.facets\.parent .*runId must match format "uuid"/);
  });

  it('names jobs, datasets and versions as the spec and our conventions say', () => {
    expect(ingestComplete.schemaURL).toBe('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent');
    expect(ingestComplete.job).toMatchObject({ namespace: 'refinery.support', name: 'support-router.ingest', facets: { jobType: { processingType: 'BATCH', integration: 'REFINERY', jobType: 'STAGE' } } });
    expect(ingestComplete.inputs).toEqual([{ namespace: 'file', name: 'examples/datasets/support.jsonl', facets: {} }]);
    const out = ingestComplete.outputs[0]!;
    expect(out).toMatchObject({ namespace: 'object://sha256', name: sha('a'), facets: { version: { datasetVersion: sha('a') } }, outputFacets: { outputStatistics: { rowCount: 600, size: 12_345 } } });
    expect((out.facets!.schema as { fields: { name: string }[] }).fields.map((f) => f.name)).toEqual(['messages']);
    expect((trainComplete.inputs[1]!.facets!.schema as { fields: { name: string }[] }).fields.map((f) => f.name)).toEqual(['prompt', 'completion']);
    expect(trainComplete.outputs[0]!.facets!.schema).toBeUndefined(); // a model has no record schema
    expect(splitFailed.run.facets.errorMessage).toMatchObject({ message: 'the split left no training records (3 eval)', programmingLanguage: 'TypeScript' });
    expect(datasetName('s3://bucket/raw/support.jsonl')).toEqual({ namespace: 's3://bucket', name: 'raw/support.jsonl' });
    expect(datasetName('hf://acme/base-1b')).toEqual({ namespace: 'hf://acme', name: 'base-1b' });
  });

  it('derives run ids deterministically: a stage START and COMPLETE share one, the parent facet names the pipeline run', () => {
    const start = events[4]![1];
    expect(start.run.runId).toBe(ingestComplete.run.runId);
    expect(start.run.runId).toBe(openLineageRunId('run_01jabc', 'ingest'));
    expect(openLineageRunId('run_01jabc', 'ingest')).not.toBe(openLineageRunId('run_01jabc', 'train'));
    expect(openLineageRunId('run_01jabc', 'ingest')).not.toBe(openLineageRunId('run_01jabd', 'ingest'));
    const parent = ingestComplete.run.facets.parent as { run: { runId: string }; job: { namespace: string; name: string } };
    expect(parent.run.runId).toBe(events[0]![1].run.runId);
    expect(parent.run.runId).toBe(openLineageRunId('run_01jabc'));
    expect(parent.job).toEqual({ namespace: 'refinery.support', name: 'support-router' });
    expect(openLineageDedupeKey('run_01jabc', 'ingest', 'START')).toBe('run_01jabc/ingest/START');
  });

  it('computes RFC 9562 UUIDv5 (the RFC test vector: DNS namespace, "www.example.com")', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(openLineageRunId('run_x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
