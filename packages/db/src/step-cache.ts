import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import { parseStageReport, type StageName, type StageReport, type StoredArtifact } from '@refinery/core';
import type { Db } from './client';
import { artifacts, runs, stageExecutions, trainingMetrics } from './schema';
import { audit } from './audit';
import { recordArtifact, recordLineage } from './artifacts';
import { insertMetricPoints } from './metrics';

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

/** The run that computed `stage`'s result for `runId`: the one it reused it from, or itself (its last attempt decides). */
export async function stageComputedBy(db: Db, runId: string, stage: StageName): Promise<string> {
  const [last] = await db
    .select({ reusedFromRunId: stageExecutions.reusedFromRunId })
    .from(stageExecutions)
    .where(and(eq(stageExecutions.runId, runId), eq(stageExecutions.stage, stage)))
    .orderBy(desc(stageExecutions.attempt))
    .limit(1);
  return last?.reusedFromRunId ?? runId;
}

/** Copies `fromRunId`'s training_metrics points to `toRunId` (a reused adapter keeps its loss curve on the run page). */
export async function copyTrainingMetrics(db: Db, fromRunId: string, toRunId: string): Promise<number> {
  const rows = await db.select().from(trainingMetrics).where(eq(trainingMetrics.runId, fromRunId));
  for (let i = 0; i < rows.length; i += 500) {
    await insertMetricPoints(db, rows.slice(i, i + 500).map(({ at: _at, ...p }) => ({ ...p, runId: toRunId })));
  }
  return rows.length;
}

export interface ReusedStage<S extends StageName> {
  /** The run whose stage attempt is reused. */
  runId: string;
  /** The run that computed the result. */
  computedByRunId: string;
  report: StageReport<S>;
  /** Registers the earlier artifact of `kind` for this run (null: the earlier run made none); `metadata` replaces the earlier one's. */
  artifact(kind: string, metadata?: Record<string, unknown>): Promise<StoredArtifact | null>;
  /** Marks this attempt as reused on the timeline; call once the outputs are registered. */
  finish(): Promise<void>;
}

export interface StepCacheLookup<S extends StageName> {
  runId: string;
  stage: S;
  /** The activity attempt (its stage_executions row). */
  attempt: number;
  key: string;
  /** The RunSpec's `cache` setting for the stage: false only records the key. */
  enabled: boolean;
  /** Whether an earlier artifact's object(s) are still in the store (a directory: its manifest and every file). */
  present(artifact: typeof artifacts.$inferSelect): Promise<boolean>;
  log(message: string): void;
}

/**
 * Records this attempt's cache key, then, when `enabled`, looks for an earlier result to reuse
 * (used by the pipeline worker's data stages and the GPU worker's train). A result whose report
 * no longer matches the stage's schema, or whose objects are gone from the store, is not reused:
 * the stage recomputes.
 */
export async function lookUpStepCache<S extends StageName>(db: Db, input: StepCacheLookup<S>): Promise<ReusedStage<S> | null> {
  const { runId, stage, key, attempt, log } = input;
  await recordStageCacheKey(db, runId, stage, attempt, key);
  if (!input.enabled) return null;
  const hit = await findCachedStage(db, runId, stage, key);
  if (!hit) return null;
  const { report, mismatch } = parseStageReport(stage, hit.report);
  if (!report) {
    log(`step cache: run ${hit.runId}'s ${stage} report does not fit the current schema (${mismatch ?? 'none'}); recomputing`);
    return null;
  }
  for (const a of hit.artifacts) {
    if (!(await input.present(a))) {
      log(`step cache: run ${hit.runId}'s ${a.kind} ${a.sha256} is no longer in the object store; recomputing`);
      return null;
    }
  }
  log(`step cache: ${stage} reuses run ${hit.runId}'s result (computed by run ${hit.computedByRunId})`);
  return {
    runId: hit.runId,
    computedByRunId: hit.computedByRunId,
    // As recorded (the parse only checked it fits the schema; it would drop fields the schema does not name).
    report: hit.report as StageReport<S>,
    async artifact(kind, metadata) {
      const earlier = hit.artifacts.find((a) => a.kind === kind);
      if (!earlier) return null;
      const artifactId = await recordReusedArtifact(db, runId, stage, metadata ? { ...earlier, metadata } : earlier);
      return { artifactId, uri: earlier.uri, sha256: earlier.sha256, bytes: Number(earlier.bytes) };
    },
    finish: () => recordStageReused(db, runId, stage, attempt, hit.computedByRunId),
  };
}
