import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { StageName, StageStatus } from '@refinery/core';
import type { Db } from './client';
import { runs, stageExecutions } from './schema';
import { audit } from './audit';

/**
 * The stage timeline: one row per attempt of a stage. The workflow records a stage's start
 * (attempt 1) and its outcome (on the latest attempt); the workers' stage-attempt interceptor
 * records the attempts in between, which happen inside Temporal's activity retries.
 * Idempotent on (run, stage, attempt): a replayed activity updates the same row.
 */
export async function recordStageStarted(db: Db, runId: string, stage: StageName, attempt: number): Promise<void> {
  await db.insert(stageExecutions).values({ runId, stage, attempt, status: 'running' }).onConflictDoNothing();
  await db.update(runs).set({ currentStage: stage }).where(eq(runs.id, runId));
  await audit(db, { actor: `workflow:${runId}`, action: 'stage.started', subjectType: 'run', subjectId: runId, data: { stage, attempt } });
}

/**
 * A retry started: attempt `attempt` begins, and earlier attempts still shown as running (their
 * worker died without reporting) are closed as failed with `lostReason`.
 */
export async function recordStageRetry(db: Db, runId: string, stage: StageName, attempt: number, lostReason: string): Promise<void> {
  await db
    .update(stageExecutions)
    .set({ status: 'failed', error: lostReason, finishedAt: new Date() })
    .where(and(eq(stageExecutions.runId, runId), eq(stageExecutions.stage, stage), lt(stageExecutions.attempt, attempt), eq(stageExecutions.status, 'running')));
  await recordStageStarted(db, runId, stage, attempt);
}

/** One attempt failed; Temporal may retry it (a new row) or the workflow records the stage's outcome. */
export async function recordStageAttemptFailed(db: Db, runId: string, stage: StageName, attempt: number, error: string): Promise<void> {
  await db
    .update(stageExecutions)
    .set({ status: 'failed', error, finishedAt: new Date() })
    .where(and(eq(stageExecutions.runId, runId), eq(stageExecutions.stage, stage), eq(stageExecutions.attempt, attempt)));
  await audit(db, { actor: `workflow:${runId}`, action: 'stage.attempt_failed', subjectType: 'run', subjectId: runId, data: { stage, attempt, error } });
}

/** The id of the stage's latest attempt row (a subquery). */
const latestAttempt = (db: Db, runId: string, stage: StageName) =>
  db
    .select({ id: stageExecutions.id })
    .from(stageExecutions)
    .where(and(eq(stageExecutions.runId, runId), eq(stageExecutions.stage, stage)))
    .orderBy(desc(stageExecutions.attempt))
    .limit(1);

/** The stage's outcome, recorded on its latest attempt. */
export async function recordStageFinished(
  db: Db,
  runId: string,
  stage: StageName,
  result: { status: Exclude<StageStatus, 'running'>; error?: string; metrics?: Record<string, unknown> },
): Promise<void> {
  const [latest] = await db
    .update(stageExecutions)
    .set({ status: result.status, error: result.error ?? null, metrics: result.metrics ?? null, finishedAt: new Date() })
    .where(inArray(stageExecutions.id, latestAttempt(db, runId, stage)))
    .returning({ attempt: stageExecutions.attempt });
  if (!latest) throw new Error(`run ${runId} has no ${stage} stage row to finish`);
  await audit(db, {
    actor: `workflow:${runId}`,
    action: `stage.${result.status}`,
    subjectType: 'run',
    subjectId: runId,
    data: { stage, attempt: latest.attempt, ...(result.error ? { error: result.error } : {}) },
  });
}

/**
 * A report on a stage that is still running (e.g. the approval stage while it waits: what the
 * reviewers are asked to decide on), on its latest attempt; the outcome replaces it.
 */
export async function recordStageProgress(db: Db, runId: string, stage: StageName, metrics: Record<string, unknown>): Promise<void> {
  await db.update(stageExecutions).set({ metrics }).where(inArray(stageExecutions.id, latestAttempt(db, runId, stage)));
}
