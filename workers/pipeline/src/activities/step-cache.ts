import { createHmac } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { StageName } from '@refinery/core';
import { lookUpStepCache as lookUp, type ReusedStage } from '@refinery/db';
import { storedObjectsPresent } from '@refinery/storage';
import type { PipelineDeps } from './deps';

/**
 * Step caching for the data stages (docs/architecture.md, Step caching). A stage's key
 * (`stepCacheKey`, @refinery/core) hashes everything its output depends on: the stage, its code
 * version (`cacheVersion` in STAGE_DEFINITIONS), the inputs' sha256s and the spec settings that
 * change the output. Each attempt records its key; with caching on, an earlier succeeded attempt
 * with the same key in the same project is reused (`lookUpStepCache`, @refinery/db, shared with
 * the GPU worker's train): its report, and its artifacts registered again for this run.
 */
export { stepCacheKey } from '@refinery/core';
export type { ReusedStage } from '@refinery/db';

/** What a redaction under a project key depends on, without revealing the key: an HMAC of a fixed label. */
export const redactionKeyFingerprint = (projectKey: string): string => createHmac('sha256', projectKey).update('refinery step cache').digest('hex');

/** Records this attempt's cache key, then, when `enabled`, looks for an earlier result to reuse. */
export function lookUpStepCache<S extends StageName>(deps: PipelineDeps, input: { runId: string; stage: S; key: string; enabled: boolean }): Promise<ReusedStage<S> | null> {
  const ctx = Context.current();
  return lookUp(deps.db, {
    ...input,
    attempt: ctx.info.attempt,
    present: (a) => storedObjectsPresent(deps.sources.store, a),
    log: (message) => ctx.log.info(message),
  });
}
