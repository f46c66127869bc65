import {
  openLineageDedupeKey,
  PIPELINE_JOB_STAGE,
  pipelineRunEvent,
  stageRunEvent,
  type DatasetFacts,
  type OpenLineageEventType,
  type OpenLineageRunEvent,
  type RunSpec,
  type RunStatus,
  type StageName,
  type StageStatus,
} from '@refinery/core';
import { openLineageRunFacts, openLineageStageFacts, storeOpenLineageEvent, type ArtifactRecord, type Db } from '@refinery/db';
import { backgroundDelivery, type OpenLineageEndpoint } from './delivery';

/**
 * Emits the OpenLineage events of a run's transitions, called by the workflow's projection
 * activities (markRun, stageStarted, stageFinished), so every stage, CPU or GPU, is covered in
 * one place. Each event is stored once (dedupe key per run, stage and type), then sent in the
 * background when an endpoint is configured: the activity never waits for the endpoint.
 */
export type OpenLineageEmitter = ReturnType<typeof openLineageEmitter>;

const RUN_EVENT: Partial<Record<RunStatus, OpenLineageEventType>> = {
  running: 'START',
  succeeded: 'COMPLETE',
  failed: 'FAIL',
  rejected: 'FAIL',
  expired: 'FAIL',
  cancelled: 'ABORT',
};
const STAGE_EVENT: Record<Exclude<StageStatus, 'running'>, OpenLineageEventType> = { succeeded: 'COMPLETE', failed: 'FAIL', cancelled: 'ABORT' };

/** Datasets a stage reads from outside the run's artifacts: the spec's source and base model. */
const EXTERNAL_INPUTS: Partial<Record<StageName, (spec: RunSpec) => (string | undefined)[]>> = {
  ingest: (s) => [s.dataset?.uri],
  train: (s) => [s.baseModel?.uri],
  merge: (s) => [s.baseModel?.uri],
  evaluate: (s) => [s.baseModel?.uri],
};

const objectSha = (uri: string) => /^object:\/\/sha256\/([0-9a-f]{64})$/.exec(uri)?.[1];

function externalInputs(stage: StageName, spec: RunSpec, outputs: ArtifactRecord[]): DatasetFacts[] {
  const uris = (EXTERNAL_INPUTS[stage]?.(spec) ?? []).filter((u): u is string => !!u && !outputs.some((o) => o.uri === u));
  return uris.map((uri) => ({ uri, ...(objectSha(uri) ? { sha256: objectSha(uri) } : {}) }));
}

/** An artifact as a dataset: JSONL artifacts are records of the run's format (with their count). */
function artifactDataset(a: ArtifactRecord, spec: RunSpec): DatasetFacts {
  const records = (a.metadata as { records?: unknown } | null)?.records;
  const isRecords = a.mediaType === 'application/jsonl' && !!spec.dataset?.format;
  return {
    uri: a.uri,
    sha256: a.sha256,
    bytes: a.bytes,
    ...(isRecords ? { format: spec.dataset.format } : {}),
    ...(Number.isInteger(records) ? { rowCount: records as number } : {}),
  };
}

export function openLineageEmitter(db: Db, endpoint: OpenLineageEndpoint | undefined) {
  const delivery = endpoint ? backgroundDelivery(db, endpoint) : undefined;

  async function store(runId: string, stage: string, event: OpenLineageRunEvent) {
    const stored = await storeOpenLineageEvent(db, { runId, stage, eventType: event.eventType, dedupeKey: openLineageDedupeKey(runId, stage, event.eventType), event, outbox: !!delivery });
    if (stored.created) delivery?.enqueue(stored.id);
  }

  /** Building is ours to get right, but a bug there must not fail runs: it is logged. Storing failures propagate (the activity retries). */
  async function build(what: string, make: () => Promise<OpenLineageRunEvent | undefined>) {
    try {
      return await make();
    } catch (err) {
      console.error(`[openlineage] could not build the ${what} event: ${(err as Error).message}`);
      return undefined;
    }
  }

  return {
    async runStatus(runId: string, status: RunStatus, error?: string): Promise<void> {
      const eventType = RUN_EVENT[status];
      if (!eventType) return;
      const event = await build(`${eventType} of run ${runId}`, async () => {
        const run = await openLineageRunFacts(db, runId);
        return run && pipelineRunEvent({ eventType, eventTime: new Date(), run: { runId, project: run.projectId, runName: run.name }, error });
      });
      if (event) await store(runId, PIPELINE_JOB_STAGE, event);
    },

    async stageStatus(runId: string, stage: StageName, status: StageStatus, error?: string): Promise<void> {
      const eventType = status === 'running' ? 'START' : STAGE_EVENT[status];
      const event = await build(`${eventType} of ${runId}/${stage}`, async () => {
        const facts = await openLineageStageFacts(db, runId, stage);
        if (!facts) return undefined;
        const spec = facts.run.spec as RunSpec;
        const ended = eventType !== 'START';
        return stageRunEvent({
          eventType,
          eventTime: new Date(),
          run: { runId, project: facts.run.projectId, runName: facts.run.name },
          stage,
          // At START only the inputs named up front are known; the end names everything read and written.
          inputs: [...externalInputs(stage, spec, facts.outputs), ...(ended ? facts.inputs.map((a) => artifactDataset(a, spec)) : [])],
          outputs: ended ? facts.outputs.map((a) => artifactDataset(a, spec)) : [],
          error,
        });
      });
      if (event) await store(runId, stage, event);
    },

    /** Resolves when every event stored so far has had its first delivery attempt (tests, shutdown). */
    drained: (): Promise<unknown> => delivery?.drained() ?? Promise.resolve(),
  };
}
