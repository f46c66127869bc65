import type { RunStatus, StageName, StageStatus } from '@refinery/core';
import { recordStageFinished, recordStageStarted, setRunStatus } from '@refinery/db';
import type { PipelineDeps } from './deps';

/**
 * Keeps the Postgres projection of a run (status, stage timeline) in step with the workflow, and
 * emits the OpenLineage event of each transition (stored here; sent in the background).
 */
export function runProjectionActivities({ db, openlineage }: PipelineDeps) {
  return {
    async markRun(input: { runId: string; status: RunStatus; error?: string }): Promise<void> {
      await setRunStatus(db, input.runId, { status: input.status, error: input.error ?? null, ...(input.status === 'succeeded' ? { currentStage: null } : {}) });
      await openlineage.runStatus(input.runId, input.status, input.error);
    },
    async stageStarted(input: { runId: string; stage: StageName; attempt: number }): Promise<void> {
      await recordStageStarted(db, input.runId, input.stage, input.attempt);
      await openlineage.stageStatus(input.runId, input.stage, 'running');
    },
    /** The stage's outcome, on its latest attempt (retries are recorded by the workers). */
    async stageFinished(input: { runId: string; stage: StageName; status: Exclude<StageStatus, 'running'>; error?: string; metrics?: object }): Promise<void> {
      await recordStageFinished(db, input.runId, input.stage, { status: input.status, error: input.error, metrics: input.metrics as Record<string, unknown> | undefined });
      await openlineage.stageStatus(input.runId, input.stage, input.status, input.error);
    },
  };
}
