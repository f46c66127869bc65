import type { PipelineDeps } from './deps';
import { approvalActivities } from './approval';
import { auditCheckpointActivities } from './audit-checkpoint';
import { promoteActivities } from './promote';
import { gatesActivities } from './gates';
import { ingestActivities } from './ingest';
import { openLineageActivities } from './openlineage';
import { runProjectionActivities } from './run-projection';
import { splitActivities } from './split';
import { redactActivities } from './redact';
import { quotaActivities } from './quota';

export type { PipelineDeps } from './deps';
export type { IngestInput, IngestResult, DatasetArtifact } from './ingest';
export type { SplitInput, SplitResult } from './split';
export type { RedactInput, RedactResult } from './redact';
export type { GatesInput, GatesResult } from './gates';
export type { OpenApprovalInput, RecordApprovalInput } from './approval';
export type { PromoteInput } from './promote';
export { requestQuotaSlot, type SlotRequestInput } from './quota';

export function createActivities(deps: PipelineDeps) {
  return { ...runProjectionActivities(deps), ...ingestActivities(deps), ...redactActivities(deps), ...splitActivities(deps), ...gatesActivities(deps), ...approvalActivities(deps), ...promoteActivities(deps), ...auditCheckpointActivities(deps), ...openLineageActivities(deps), ...quotaActivities(deps) };
}

export type PipelineActivities = ReturnType<typeof createActivities>;
