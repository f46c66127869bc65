import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { TrainHeartbeat, TrainInput, TrainResult } from '@refinery/core';
import { recordArtifact, recordLineage, type Db } from '@refinery/db';
import { getDirectory, putDirectory, shaFromObjectUri, stageDirectorySource, type SourceContext, DIRECTORY_MEDIA_TYPE } from '@refinery/storage';
import { MetricsWriter } from './metrics-writer';
import { startTrainer } from './trainer-process';
import type { TrainerEvent } from './trainer-events';

export interface GpuDeps {
  db: Db;
  sources: SourceContext;
  python: string;
  scratchRoot: string;
  /** SIGTERM → SIGKILL grace when a run is cancelled. */
  killGraceMs: number;
}

/**
 * Train a LoRA adapter: stage inputs into scratch, run the trainer, stream its progress
 * (heartbeats + Postgres), upload every checkpoint so a retry on another worker resumes from
 * the last one, and record the adapter with its lineage. Scratch is removed at the end.
 */
export function trainActivities(deps: GpuDeps) {
  return {
    async trainLora(input: TrainInput): Promise<TrainResult> {
      const ctx = Context.current();
      const previous = ctx.info.heartbeatDetails as TrainHeartbeat | undefined;
      const beat: TrainHeartbeat = { step: previous?.checkpoint?.step ?? 0, totalSteps: previous?.totalSteps ?? null, loss: null, checkpoint: previous?.checkpoint ?? null };
      await mkdir(deps.scratchRoot, { recursive: true });
      const scratch = await mkdtemp(join(deps.scratchRoot, `${input.runId}-a${ctx.info.attempt}-`));
      const heartbeat = setInterval(() => ctx.heartbeat(beat), 1000);
      ctx.heartbeat(beat);
      try {
        const config = await stageInputs(deps, input, scratch, beat.checkpoint);
        const configPath = join(scratch, 'config.json');
        await writeFile(configPath, JSON.stringify(config, null, 2));
        const say = (msg: string) => console.log(`${new Date().toISOString()} [gpu-worker ${process.pid}] ${input.runId} attempt ${ctx.info.attempt}: ${msg}`);

        const metrics = new MetricsWriter(deps.db, { onError: (err) => ctx.log.warn(`metrics write failed: ${err.message}`) });
        let uploads = Promise.resolve();
        let last: TrainerEvent | undefined;
        let start: Extract<TrainerEvent, { event: 'start' }> | undefined;
        const trainer = startTrainer({
          python: deps.python,
          configPath,
          onStderr: (line) => ctx.log.debug(line),
          onEvent: (e) => {
            last = e;
            if (e.event === 'start') {
              start = e;
              beat.totalSteps = e.total_steps;
            } else if (e.event === 'step') {
              Object.assign(beat, { step: e.step, loss: e.loss });
              metrics.add({ runId: input.runId, kind: 'train', step: e.step, epoch: e.epoch, loss: e.loss, learningRate: e.learning_rate, tokensPerSecond: e.tokens_per_second, etaSeconds: e.eta_seconds, totalSteps: e.total_steps });
            } else if (e.event === 'eval') {
              metrics.add({ runId: input.runId, kind: 'eval', step: e.step, loss: e.eval_loss, totalSteps: beat.totalSteps });
            } else if (e.event === 'checkpoint') {
              // Uploads run in order in the background; the heartbeat names a checkpoint only once it is stored.
              uploads = uploads.then(async () => {
                const stored = await putDirectory(deps.sources.store, e.path);
                beat.checkpoint = { step: e.step, uri: stored.uri };
                ctx.heartbeat(beat);
              });
            }
          },
        });

        say(`trainer pid ${trainer.pid} started${beat.checkpoint ? `, resuming from step ${beat.checkpoint.step}` : ''}`);
        const onCancel = () => {
          say(`cancellation received at step ${beat.step}: SIGTERM to trainer pid ${trainer.pid}`);
          void trainer.stop(deps.killGraceMs);
        };
        ctx.cancellationSignal.addEventListener('abort', onCancel);
        const code = await trainer.exited.finally(() => ctx.cancellationSignal.removeEventListener('abort', onCancel));
        say(`trainer exited with code ${code} at step ${beat.step}`);
        await metrics.close();
        await uploads;

        if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`training cancelled at step ${beat.step}; trainer pid ${trainer.pid} stopped`);
        if (code === 0 && last?.event === 'done') return await recordAdapter(deps, input, last, start, beat, ctx.info.attempt);
        const message = last?.event === 'error' ? last.message : `trainer exited with code ${code} (last event: ${last?.event ?? 'none'})`;
        // Exit 2 = bad input: retrying cannot help. Anything else retries, resuming from the last checkpoint.
        if (code === 2) throw ApplicationFailure.nonRetryable(message, 'TrainerInvalidInput');
        throw ApplicationFailure.retryable(message, 'TrainerFailed');
      } finally {
        clearInterval(heartbeat);
        await rm(scratch, { recursive: true, force: true });
      }
    },
  };
}

/** Stages datasets (and a checkpoint to resume from) into scratch and builds the trainer config. */
async function stageInputs(deps: GpuDeps, input: TrainInput, scratch: string, checkpoint: TrainHeartbeat['checkpoint']) {
  const fetchObject = async (uri: string, name: string) => {
    const path = join(scratch, name);
    await pipeline(await deps.sources.store.get(shaFromObjectUri(uri)!), createWriteStream(path));
    return path;
  };
  const baseModel = await stageDirectorySource(input.baseModelUri, deps.sources, join(scratch, 'base-model'));
  let resumeFrom: string | null = null;
  if (checkpoint) {
    resumeFrom = join(scratch, 'out', 'checkpoints', `step-${checkpoint.step}`);
    await getDirectory(deps.sources.store, checkpoint.uri, resumeFrom);
  }
  const t = input.training;
  return {
    base_model: baseModel,
    train_file: await fetchObject(input.train.uri, 'train.jsonl'),
    eval_file: input.eval ? await fetchObject(input.eval.uri, 'eval.jsonl') : null,
    format: input.format,
    output_dir: join(scratch, 'out'),
    resume_from: resumeFrom,
    lora: { r: t.lora.r, alpha: t.lora.alpha, dropout: t.lora.dropout, target_modules: t.lora.targetModules },
    epochs: t.epochs,
    learning_rate: t.learningRate,
    lr_scheduler: t.lrScheduler,
    warmup_ratio: t.warmupRatio,
    batch_size: t.batchSize,
    grad_accum: t.gradAccum,
    max_seq_len: t.maxSeqLen,
    seed: t.seed,
    checkpoint_every: t.checkpointEvery,
    max_steps: t.maxSteps ?? null,
    device: 'auto',
  };
}

async function recordAdapter(
  deps: GpuDeps,
  input: TrainInput,
  done: Extract<TrainerEvent, { event: 'done' }>,
  start: Extract<TrainerEvent, { event: 'start' }> | undefined,
  beat: TrainHeartbeat,
  attempt: number,
): Promise<TrainResult> {
  const stored = await putDirectory(deps.sources.store, done.adapter_dir);
  const trainerMetrics = JSON.parse(await readFile(done.metrics_path, 'utf8')) as { train_seconds?: number; device?: string };
  const metrics: TrainResult['metrics'] = {
    steps: done.step,
    totalSteps: beat.totalSteps ?? done.step,
    trainLoss: done.train_loss,
    evalLoss: done.eval_loss,
    baseEvalLoss: done.base_eval_loss,
    resumedFromStep: start?.resumed_from_step ?? null,
    attempt,
    device: trainerMetrics.device ?? start?.device ?? 'unknown',
    trainSeconds: trainerMetrics.train_seconds ?? null,
  };
  const artifactId = await recordArtifact(deps.db, {
    runId: input.runId,
    kind: 'adapter',
    sha256: stored.sha256,
    uri: stored.uri,
    bytes: stored.bytes,
    mediaType: DIRECTORY_MEDIA_TYPE,
    producedByStage: 'train',
    metadata: { ...metrics, baseModel: input.baseModelUri, format: 'peft-lora' },
  });
  await recordLineage(deps.db, { fromArtifactId: input.train.artifactId, toArtifactId: artifactId, relation: 'trained_on', runId: input.runId, stage: 'train' });
  if (input.eval) await recordLineage(deps.db, { fromArtifactId: input.eval.artifactId, toArtifactId: artifactId, relation: 'evaluated_on', runId: input.runId, stage: 'train' });
  return { adapter: { artifactId, uri: stored.uri, sha256: stored.sha256, bytes: stored.bytes }, metrics };
}
