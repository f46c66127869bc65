import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Context } from '@temporalio/activity';
import { packingFor, stepCacheKey, type TrainInput, type TrainResult } from '@refinery/core';
import { copyTrainingMetrics, lookUpStepCache, recordLineage } from '@refinery/db';
import { directorySourceFingerprint, shaFromObjectUri, storedObjectsPresent } from '@refinery/storage';
import type { GpuDeps } from './deps';
import { TRAINER_DIR } from './trainer-process';

/**
 * Step caching for the train stage (opt-in: RunSpec `cache.train`; docs/architecture.md, Step
 * caching). The key holds everything the adapter depends on:
 *
 * - the base model's content (`directorySourceFingerprint`: an `object://` manifest's sha256, a
 *   `file://` directory's files hashed, an `s3://` listing's ETags), never only its URI;
 * - the train and eval splits' sha256s and the dataset format;
 * - the whole `training` section except `gpu` (pool and count place the job; they do not change
 *   what is asked for), with packing written out as it applies;
 * - the number of canaries planted (they derive from the id of the run that trains, so the
 *   evaluate stage of a run that reuses the adapter ranks that run's canaries);
 * - the trainer's code and pinned requirements (`trainerFingerprint`), with train's cacheVersion.
 *
 * Which GPU model (or CPU) trains is not in it: a result of the same spec on the same inputs and
 * code is reused across a pool's hosts, as a retry already resumes on another host.
 */
export function trainCacheKey(input: TrainInput, fingerprints: { baseModel: string; trainer: string }): string {
  const { gpu: _placement, ...training } = input.training;
  return stepCacheKey('train', {
    baseModel: fingerprints.baseModel,
    train: shaFromObjectUri(input.train.uri) ?? input.train.uri,
    eval: input.eval ? (shaFromObjectUri(input.eval.uri) ?? input.eval.uri) : null,
    format: input.format,
    training: { ...training, packing: packingFor(training, input.format) },
    canaries: input.canaries ?? 0,
    trainer: fingerprints.trainer,
  });
}

let trainerPrint: Promise<string> | undefined;

/** sha256 of the trainer package's Python sources and its pinned requirements (once per process). */
export function trainerFingerprint(dir = TRAINER_DIR): Promise<string> {
  if (dir !== TRAINER_DIR) return fingerprintTrainer(dir);
  trainerPrint ??= fingerprintTrainer(dir);
  return trainerPrint;
}

async function fingerprintTrainer(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(join(dir, 'refinery_trainer'), { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && e.name.endsWith('.py'))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
  for (const path of [...files, 'requirements.txt']) {
    const bytes = await readFile(join(dir, path));
    hash.update(`${path}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest('hex');
}

/**
 * Before any training: records the attempt's cache key and, with `cache.train` on, reuses the
 * adapter and report of an earlier run of the project with the same key (its objects still in the
 * store): the adapter is registered for this run with its usual lineage from this run's splits and
 * a `reused_from` edge, the earlier run's loss curve is copied to this run's training metrics, and
 * the attempt is marked reused. Null: train as usual. No trainer process starts on a reuse, so the
 * attempt's GPU-seconds are its wall time (well under a second) and its CPU-seconds 0.
 */
export async function reuseTrainedAdapter(deps: GpuDeps, input: TrainInput): Promise<TrainResult | null> {
  const ctx = Context.current();
  // Hashing a large file:// base model may outlast the heartbeat timeout: keep beating, with the
  // previous attempt's details (its checkpoint), so a later retry still resumes from them.
  const details = ctx.info.heartbeatDetails as unknown;
  const beat = () => ctx.heartbeat(details);
  const timer = setInterval(beat, 2000);
  beat();
  try {
    let baseModel: string | null;
    try {
      baseModel = await directorySourceFingerprint(input.baseModelUri, deps.sources);
    } catch (err) {
      // Staging the base model reports the problem, as it always did; the cache stays out of the way.
      ctx.log.info(`step cache: no fingerprint of the base model (${(err as Error).message}); training without a cache key`);
      return null;
    }
    if (!baseModel) {
      if (input.cache) ctx.log.info(`step cache: ${input.baseModelUri} is a hub model whose content can change under its name: train is not cached`);
      return null;
    }
    const key = trainCacheKey(input, { baseModel, trainer: await trainerFingerprint() });
    const cached = await lookUpStepCache(deps.db, {
      runId: input.runId,
      stage: 'train',
      attempt: ctx.info.attempt,
      key,
      enabled: input.cache === true,
      present: (a) => storedObjectsPresent(deps.sources.store, a),
      log: (message) => ctx.log.info(message),
    });
    if (!cached) return null;
    const adapter = await cached.artifact('adapter', { ...cached.report, baseModel: input.baseModelUri, format: 'peft-lora' });
    if (!adapter) return null;
    await recordLineage(deps.db, { fromArtifactId: input.train.artifactId, toArtifactId: adapter.artifactId, relation: 'trained_on', runId: input.runId, stage: 'train' });
    if (input.eval) await recordLineage(deps.db, { fromArtifactId: input.eval.artifactId, toArtifactId: adapter.artifactId, relation: 'evaluated_on', runId: input.runId, stage: 'train' });
    const points = await copyTrainingMetrics(deps.db, cached.runId, input.runId);
    ctx.log.info(`step cache: copied ${points} training metric points of run ${cached.runId}`);
    await cached.finish();
    return { adapter, report: cached.report };
  } finally {
    clearInterval(timer);
  }
}
