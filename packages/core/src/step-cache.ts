import { createHash } from 'node:crypto';
import { canonicalJson } from '@refinery/redaction';
import { STAGE_DEFINITIONS, type StageDefinition, type StageName } from './stages';

/**
 * A stage's step-cache key (docs/architecture.md, Step caching): sha256 of the canonical JSON of
 * the stage, its code version (`cacheVersion` in STAGE_DEFINITIONS) and everything its output
 * depends on. Shared by the pipeline worker (ingest, redact, split) and the GPU worker (train).
 */
export function stepCacheKey(stage: StageName, inputs: Record<string, unknown>): string {
  const version = (STAGE_DEFINITIONS[stage] as StageDefinition).cacheVersion;
  if (version === undefined) throw new Error(`stage ${stage} has no cacheVersion in STAGE_DEFINITIONS; it cannot be cached`);
  return createHash('sha256').update(canonicalJson({ stage, version, inputs })).digest('hex');
}
