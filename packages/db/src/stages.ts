import { and, eq } from 'drizzle-orm';
import type { StageStatus } from '@refinery/core';
import type { Db } from './client';
import { runs, stageExecutions } from './schema';
import { audit } from './audit';

/** Idempotent on (run, stage, attempt): a replayed activity updates the same row. */
export async function recordStageStarted(db: Db, runId: string, stage: string, attempt: number): Promise<void> {
  await db
    .insert(stageExecutions)
    .values({ runId, stage, attempt, status: 'running' })
    .onConflictDoNothing();
  await db.update(runs).set({ currentStage: stage }).where(eq(runs.id, runId));
  await audit(db, { actor: `workflow:${runId}`, action: 'stage.started', subjectType: 'run', subjectId: runId, data: { stage, attempt } });
}

export async function recordStageFinished(
  db: Db,
  runId: string,
  stage: string,
  attempt: number,
  result: { status: Exclude<StageStatus, 'running'>; error?: string; metrics?: Record<string, unknown> },
): Promise<void> {
  await db
    .update(stageExecutions)
    .set({ status: result.status, error: result.error ?? null, metrics: result.metrics ?? null, finishedAt: new Date() })
    .where(and(eq(stageExecutions.runId, runId), eq(stageExecutions.stage, stage), eq(stageExecutions.attempt, attempt)));
  await audit(db, {
    actor: `workflow:${runId}`,
    action: `stage.${result.status}`,
    subjectType: 'run',
    subjectId: runId,
    data: { stage, attempt, ...(result.error ? { error: result.error } : {}) },
  });
}
