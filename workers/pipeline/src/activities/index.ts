import type { PipelineDeps } from './deps';
import { ingestActivities } from './ingest';
import { runProjectionActivities } from './run-projection';

export type { PipelineDeps } from './deps';
export type { IngestInput, IngestResult, DatasetArtifact } from './ingest';

export function createActivities(deps: PipelineDeps) {
  return { ...runProjectionActivities(deps), ...ingestActivities(deps) };
}

export type PipelineActivities = ReturnType<typeof createActivities>;
