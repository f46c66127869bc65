import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DatasetFormat } from './runspec';

/**
 * OpenLineage 2-0-2 RunEvents for a Refinery run (the parent job) and each of its stages (child
 * jobs). Pure: the caller gathers the facts (run, artifacts, errors); this module shapes them.
 * Facet schemas used (copies under test/fixtures/openlineage): ParentRunFacet 1-2-0,
 * JobTypeJobFacet 2-0-4, SchemaDatasetFacet 1-2-0, DatasetVersionDatasetFacet 1-0-1,
 * OutputStatisticsOutputDatasetFacet 1-0-2, ErrorMessageRunFacet 1-0-1, ProcessingEngineRunFacet 1-1-1.
 */
export const REFINERY_VERSION = '0.1.0';
/** Refinery has no public home page yet; `.invalid` (RFC 2606) says so. One place to change it. */
export const OPENLINEAGE_PRODUCER = `https://refinery.invalid/openlineage/${REFINERY_VERSION}`;
export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

const FACET_SCHEMAS = {
  parent: 'https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet',
  processing_engine: 'https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet',
  errorMessage: 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
  jobType: 'https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
  schema: 'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  version: 'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
  outputStatistics: 'https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet',
} as const;

const facet = <K extends keyof typeof FACET_SCHEMAS, T extends object>(key: K, body: T) => ({ _producer: OPENLINEAGE_PRODUCER, _schemaURL: FACET_SCHEMAS[key], ...body });

export type OpenLineageEventType = 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';

export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, object>;
  outputFacets?: Record<string, object>;
}

export interface OpenLineageRunEvent {
  eventType: OpenLineageEventType;
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets: Record<string, object> };
  job: { namespace: string; name: string; facets: Record<string, object> };
  inputs: OpenLineageDataset[];
  outputs: OpenLineageDataset[];
}

/** The pipeline job's pseudo-stage name in `openlineage_events.stage` (no real stage has it). */
export const PIPELINE_JOB_STAGE = 'pipeline';

// ── Deterministic ids ─────────────────────────────────────────────────────────────────────────

/** Our UUIDv5 namespace (random, fixed forever: changing it changes every emitted run id). */
const REFINERY_UUID_NAMESPACE = '3f0c5a52-8d0e-4c1b-9a57-1d6f3e2b7c44';

/** RFC 9562 UUIDv5: SHA-1 over namespace and name, version and variant bits set. */
export function uuidV5(name: string, namespace = REFINERY_UUID_NAMESPACE): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The OpenLineage run id of a Refinery run (the parent) or of one of its stages: START and COMPLETE share it. */
export const openLineageRunId = (runId: string, stage?: string): string => uuidV5(stage ? `refinery:stage:${runId}:${stage}` : `refinery:run:${runId}`);

/** Stored once per (run, stage, event type): a retried projection activity finds it already there. */
export const openLineageDedupeKey = (runId: string, stage: string, eventType: OpenLineageEventType): string => `${runId}/${stage}/${eventType}`;

// ── Naming ────────────────────────────────────────────────────────────────────────────────────

export const openLineageJobNamespace = (project: string): string => `refinery.${project}`;

/**
 * A dataset's namespace and name from its URI, after OpenLineage's naming conventions: local
 * files are namespace `file` with the path as name; otherwise `scheme://authority` and the path
 * (`object://sha256` + the content hash, `s3://bucket` + the key, `hf://org` + the model).
 */
export function datasetName(uri: string): { namespace: string; name: string } {
  const m = /^([a-z0-9]+):\/\/(.*)$/i.exec(uri);
  if (!m) return { namespace: 'unknown', name: uri };
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (scheme === 'file') return { namespace: 'file', name: rest };
  const slash = rest.indexOf('/');
  return slash < 0 ? { namespace: `${scheme}://${rest}`, name: '/' } : { namespace: `${scheme}://${rest.slice(0, slash)}`, name: rest.slice(slash + 1) };
}

// ── Dataset schemas ───────────────────────────────────────────────────────────────────────────

const str = (name: string, description: string) => ({ name, type: 'string', description });

/** The record fields of a JSONL dataset of each format (packages/core/src/dataset.ts). */
export const RECORD_FIELDS: Record<DatasetFormat, object[]> = {
  chat: [
    {
      name: 'messages',
      type: 'array',
      description: 'the conversation, in order',
      fields: [str('role', 'system, user or assistant'), str('content', 'the message text')],
    },
  ],
  prompt_completion: [str('prompt', 'the input text'), str('completion', 'the text to learn to produce')],
  text: [str('text', 'a document')],
  preference: [
    str('prompt', 'the input text (simple shape; the chat shape has messages instead)'),
    { name: 'messages', type: 'array', description: 'the conversation so far, ending with a user turn (chat shape)', fields: [str('role', 'system, user or assistant'), str('content', 'the message text')] },
    str('chosen', 'the preferred answer (chat shape: an assistant turn {role, content})'),
    str('rejected', 'the dispreferred answer (chat shape: an assistant turn {role, content})'),
  ],
};

// ── Events ────────────────────────────────────────────────────────────────────────────────────

/** What the builder knows about a dataset: an artifact of the run, or an external source. */
export interface DatasetFacts {
  uri: string;
  /** Content hash (artifacts); becomes the dataset version. */
  sha256?: string;
  bytes?: number;
  /** Records, when the dataset is JSONL records of the run's format. */
  format?: DatasetFormat;
  rowCount?: number;
}

export interface RunFacts {
  runId: string;
  project: string;
  /** The spec's name: the job. Each Refinery run is one run of it. */
  runName: string;
}

function dataset(d: DatasetFacts, as: 'input' | 'output'): OpenLineageDataset {
  const facets: Record<string, object> = {};
  if (d.format) facets.schema = facet('schema', { fields: RECORD_FIELDS[d.format] });
  if (d.sha256) facets.version = facet('version', { datasetVersion: d.sha256 });
  const out: OpenLineageDataset = { ...datasetName(d.uri), facets };
  if (as === 'output' && (d.rowCount !== undefined || d.bytes !== undefined)) {
    out.outputFacets = {
      outputStatistics: facet('outputStatistics', {
        ...(d.rowCount !== undefined ? { rowCount: d.rowCount } : {}),
        ...(d.bytes !== undefined ? { size: d.bytes } : {}),
      }),
    };
  }
  return out;
}

const jobFacets = (jobType: 'PIPELINE' | 'STAGE') => ({ jobType: facet('jobType', { processingType: 'BATCH', integration: 'REFINERY', jobType }) });

function runFacets(error: string | undefined): Record<string, object> {
  return {
    processing_engine: facet('processing_engine', { name: 'Refinery', version: REFINERY_VERSION }),
    ...(error ? { errorMessage: facet('errorMessage', { message: error, programmingLanguage: 'TypeScript' }) } : {}),
  };
}

/** The event of the pipeline run itself: the parent job every stage names. */
export function pipelineRunEvent(o: { eventType: OpenLineageEventType; eventTime: Date; run: RunFacts; error?: string }): OpenLineageRunEvent {
  return {
    eventType: o.eventType,
    eventTime: o.eventTime.toISOString(),
    producer: OPENLINEAGE_PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: { runId: openLineageRunId(o.run.runId), facets: runFacets(o.error) },
    job: { namespace: openLineageJobNamespace(o.run.project), name: o.run.runName, facets: jobFacets('PIPELINE') },
    inputs: [],
    outputs: [],
  };
}

/** A stage's event: a child run of the pipeline run (parent facet), its datasets in and out. */
export function stageRunEvent(o: {
  eventType: OpenLineageEventType;
  eventTime: Date;
  run: RunFacts;
  stage: string;
  inputs: DatasetFacts[];
  outputs: DatasetFacts[];
  error?: string;
}): OpenLineageRunEvent {
  const namespace = openLineageJobNamespace(o.run.project);
  const parent = facet('parent', {
    run: { runId: openLineageRunId(o.run.runId) },
    job: { namespace, name: o.run.runName },
    root: { run: { runId: openLineageRunId(o.run.runId) }, job: { namespace, name: o.run.runName } },
  });
  return {
    eventType: o.eventType,
    eventTime: o.eventTime.toISOString(),
    producer: OPENLINEAGE_PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: { runId: openLineageRunId(o.run.runId, o.stage), facets: { parent, ...runFacets(o.error) } },
    job: { namespace, name: `${o.run.runName}.${o.stage}`, facets: jobFacets('STAGE') },
    inputs: o.inputs.map((d) => dataset(d, 'input')),
    outputs: o.outputs.map((d) => dataset(d, 'output')),
  };
}

// ── Redelivery ────────────────────────────────────────────────────────────────────────────────

/** The Temporal Schedule the pipeline worker keeps, and the workflow it (and the admin API) starts. */
export const OPENLINEAGE_REDELIVERY = { scheduleId: 'refinery-openlineage-redelivery', workflowType: 'openLineageRedelivery', everyMinutes: 1 } as const;

export interface OpenLineageRedeliveryInput {
  /** Only events whose back-off has passed (the schedule), or all undelivered ones (an admin, now). */
  dueOnly: boolean;
}

export interface OpenLineageRedeliveryResult {
  /** Whether the worker has an endpoint (REFINERY_OPENLINEAGE_URL) to deliver to. */
  configured: boolean;
  attempted: number;
  delivered: number;
  failed: number;
  /** Events still waiting for delivery after this round. */
  remaining: number;
  /** Why the round ended before trying every event, if it did. */
  stopped?: string;
}

// ── API shapes ────────────────────────────────────────────────────────────────────────────────

export const OpenLineageExportQuerySchema = z.object({
  project: z.string().min(1).describe('the project whose events to export'),
  run: z.string().min(1).optional().describe('only this run\'s events'),
  limit: z.coerce.number().int().min(1).max(1_000_000).optional().describe('at most this many events (the oldest)'),
});

export const OpenLineageRedeliverRequestSchema = z
  .object({ dueOnly: z.boolean().default(false).describe('only events whose back-off has passed (what the schedule sends); default: every undelivered event, now') })
  .strict();

export const OpenLineageRedeliveryResultSchema = z.object({
  configured: z.boolean().describe('whether the pipeline worker has REFINERY_OPENLINEAGE_URL'),
  attempted: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int(),
  remaining: z.number().int().describe('events still waiting for delivery'),
  stopped: z.string().optional().describe('why the round ended before trying every event'),
}) satisfies z.ZodType<OpenLineageRedeliveryResult>;
