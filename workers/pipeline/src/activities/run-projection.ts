import type { RunStatus } from '@refinery/core';
import { recordStageFinished, recordStageStarted, setRunStatus } from '@refinery/db';
import type { PipelineDeps } from './deps';

/** Keeps the Postgres projection of a run (status, stage timeline) in step with the workflow. */
export function runProjectionActivities({ db }: PipelineDeps) {
  return {
    async markRun(input: { runId: string; status: RunStatus; error?: string }): Promise<void> {
      await setRunStatus(db, input.runId, { status: input.status, error: input.error ?? null, ...(input.status === 'succeeded' ? { currentStage: null } : {}) });
    },
    async stageStarted(input: { runId: string; stage: string; attempt: number }): Promise<void> {
      await recordStageStarted(db, input.runId, input.stage, input.attempt);
    },
    async stageFinished(input: {
      runId: string;
      stage: string;
      attempt: number;
      status: 'succeeded' | 'failed' | 'cancelled';
      error?: string;
      metrics?: Record<string, unknown>;
    }): Promise<void> {
      await recordStageFinished(db, input.runId, input.stage, input.attempt, input);
    },
  };
}
