import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { StageName } from '@refinery/core';
import type { Db } from './client';
import { artifacts, runs, stageExecutions } from './schema';
import { audit } from './audit';
import { recordArtifact, recordLineage } from './artifacts';

/**
 * Step caching (docs/architecture.md, Step caching): a stage attempt records the key its output
 * depends on; a later run's stage with the same key, in the same project, reuses the result of
 * the latest succeeded attempt instead of recomputing it.
 */

/** The lineage relation from an earlier run's artifact to this run's row for the same object. */
export const REUSED_FROM_RELATION = 'reused_from';

/** An earlier stage result that fits a cache key: its report and the artifacts it produced. */
export interface CachedStage {
  /** The run whose stage attempt is reused. */
  runId: string;
  /** The run that computed the result (itself, unless it reused it too). */
  computedByRunId: string;
  report: unknown;
  artifacts: (typeof artifacts.$inferSelect)[];
}

/** Records the attempt's cache key on its timeline row, so later runs can find its result. */
export async function recordStageCacheKey(db: Db, runId: string, stage: StageName, attempt: number, cacheKey: string): Promise<void> {
  await db
    .update(stageExecutions)
    .set({ cacheKey })
    .where(and(eq(stageExecutions.runId, runId), eq(stageExecutions.stage, stage), eq(stageExecutions.attempt, attempt)));
}

/**
 * The latest succeeded attempt of `stage` with this key in another run of the same project (a
 * project's results, made with its own redaction key, never serve another project), or null.
 */
export async function findCachedStage(db: Db, runId: string, stage: StageName, cacheKey: string): Promise<CachedStage | null> {
  const [hit] = await db
    .select({ runId: stageExecutions.runId, reusedFromRunId: stageExecutions.reusedFromRunId, metrics: stageExecutions.metrics })
    .from(stageExecutions)
    .innerJoin(runs, eq(runs.id, stageExecutions.runId))
    .where(
      and(
        eq(stageExecutions.cacheKey, cacheKey),
        eq(stageExecutions.stage, stage),
        eq(stageExecutions.status, 'succeeded'),
        ne(stageExecutions.runId, runId),
        eq(runs.projectId, sql`(select project_id from runs where id = ${runId})`),
      ),
    )
    .orderBy(desc(stageExecutions.finishedAt))
    .limit(1);
  if (!hit) return null;
  const produced = await db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.runId, hit.runId), eq(artifacts.producedByStage, stage)))
    .orderBy(asc(artifacts.createdAt));
  return { runId: hit.runId, computedByRunId: hit.reusedFromRunId ?? hit.runId, report: hit.metrics, artifacts: produced };
}

/**
 * Registers a reused artifact for this run: a new row (same object, same sha256) and a
 * `reused_from` lineage edge from the earlier run's row, so erasure and lineage walks reach it.
 */
export async function recordReusedArtifact(db: Db, runId: string, stage: StageName, earlier: typeof artifacts.$inferSelect): Promise<string> {
  const id = await recordArtifact(db, {
    runId,
    kind: earlier.kind,
    sha256: earlier.sha256,
    uri: earlier.uri,
    bytes: Number(earlier.bytes),
    mediaType: earlier.mediaType,
    producedByStage: stage,
    metadata: { ...((earlier.metadata as Record<string, unknown> | null) ?? {}), reusedFromArtifactId: earlier.id },
  });
  await recordLineage(db, { fromArtifactId: earlier.id, toArtifactId: id, relation: REUSED_FROM_RELATION, runId, stage });
  return id;
}

/** Marks the attempt as having reused `computedByRunId`'s result (shown on the timeline). */
export async function recordStageReused(db: Db, runId: string, stage: StageName, attempt: number, computedByRunId: string): Promise<void> {
  await db
    .update(stageExecutions)
    .set({ reusedFromRunId: computedByRunId })
    .where(and(eq(stageExecutions.runId, runId), eq(stageExecutions.stage, stage), eq(stageExecutions.attempt, attempt)));
  await audit(db, { actor: `workflow:${runId}`, action: 'stage.reused', subjectType: 'run', subjectId: runId, data: { stage, attempt, reusedFromRunId: computedByRunId } });
}
