import { createHash, createHmac } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { parseStageReport, STAGE_DEFINITIONS, type StageDefinition, type StageName, type StageReport } from '@refinery/core';
import { findCachedStage, recordReusedArtifact, recordStageCacheKey, recordStageReused } from '@refinery/db';
import { canonicalJson } from '@refinery/redaction';
import type { PipelineDeps } from './deps';
import type { DatasetArtifact } from './ingest';

/**
 * Step caching for the data stages (docs/architecture.md, Step caching). A stage's key hashes
 * everything its output depends on: the stage, its code version (`cacheVersion` in
 * STAGE_DEFINITIONS), the inputs' sha256s and the spec settings that change the output. Each
 * attempt records its key; with caching on, an earlier succeeded attempt with the same key in the
 * same project is reused: its report, and its artifacts registered again for this run.
 */
export function stepCacheKey(stage: StageName, inputs: Record<string, unknown>): string {
  const version = (STAGE_DEFINITIONS[stage] as StageDefinition).cacheVersion;
  if (version === undefined) throw new Error(`stage ${stage} has no cacheVersion in STAGE_DEFINITIONS; it cannot be cached`);
  return createHash('sha256').update(canonicalJson({ stage, version, inputs })).digest('hex');
}

/** What a redaction under a project key depends on, without revealing the key: an HMAC of a fixed label. */
export const redactionKeyFingerprint = (projectKey: string): string => createHmac('sha256', projectKey).update('refinery step cache').digest('hex');

export interface ReusedStage<S extends StageName> {
  /** The run that computed the result. */
  computedByRunId: string;
  report: StageReport<S>;
  /** Registers the earlier artifact of `kind` for this run (null: the earlier run made none); `metadata` replaces the earlier one's. */
  artifact(kind: string, metadata?: Record<string, unknown>): Promise<DatasetArtifact | null>;
  /** Marks this attempt as reused on the timeline; call once the outputs are registered. */
  finish(): Promise<void>;
}

/**
 * Records this attempt's cache key, then, when `enabled`, looks for an earlier result to reuse.
 * A result whose report no longer matches the stage's schema, or whose objects are gone from the
 * store, is not reused: the stage recomputes.
 */
export async function lookUpStepCache<S extends StageName>(deps: PipelineDeps, input: { runId: string; stage: S; key: string; enabled: boolean }): Promise<ReusedStage<S> | null> {
  const { runId, stage, key } = input;
  const ctx = Context.current();
  const attempt = ctx.info.attempt;
  await recordStageCacheKey(deps.db, runId, stage, attempt, key);
  if (!input.enabled) return null;
  const hit = await findCachedStage(deps.db, runId, stage, key);
  if (!hit) return null;
  const { report, mismatch } = parseStageReport(stage, hit.report);
  if (!report) {
    ctx.log.info(`step cache: run ${hit.runId}'s ${stage} report does not fit the current schema (${mismatch ?? 'none'}); recomputing`);
    return null;
  }
  for (const a of hit.artifacts) {
    if (!(await deps.sources.store.exists(a.sha256))) {
      ctx.log.info(`step cache: run ${hit.runId}'s ${a.kind} ${a.sha256} is no longer in the object store; recomputing`);
      return null;
    }
  }
  ctx.log.info(`step cache: ${stage} reuses run ${hit.runId}'s result (computed by run ${hit.computedByRunId})`);
  return {
    computedByRunId: hit.computedByRunId,
    // As recorded (the parse only checked it fits the schema; it would drop fields the schema does not name).
    report: hit.report as StageReport<S>,
    async artifact(kind, metadata) {
      const earlier = hit.artifacts.find((a) => a.kind === kind);
      if (!earlier) return null;
      const artifactId = await recordReusedArtifact(deps.db, runId, stage, metadata ? { ...earlier, metadata } : earlier);
      return { artifactId, uri: earlier.uri, sha256: earlier.sha256, bytes: Number(earlier.bytes) };
    },
    finish: () => recordStageReused(deps.db, runId, stage, attempt, hit.computedByRunId),
  };
}
