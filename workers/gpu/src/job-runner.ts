import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { z } from 'zod';
import { TASK_QUEUES } from '@refinery/core';
import { metric, METRICS } from '@refinery/core/metrics';
import { getDirectory, makeAttemptDir, putDirectory } from '@refinery/storage';
import { noteTrainerStarted, reportTrainerCpu } from '@refinery/temporal/worker';
import type { GpuDeps } from './deps';
import { startTrainer } from './trainer-process';
import type { AnyVerbProtocol, TrainerEvent } from './trainer-events';

export interface JobCheckpoint {
  step: number;
  uri: string;
}

/** Where a job's files live in its scratch directory (removed when the job ends). */
export interface JobPaths {
  scratch: string;
  outputDir: string;
  /** The checkpoint named by the previous attempt's last heartbeat, downloaded here; null on a fresh start. */
  resumeFrom: string | null;
}

export interface TrainerJob<P extends AnyVerbProtocol, R> {
  runId: string;
  protocol: P;
  /** Stages the inputs into scratch and returns the verb's complete config (sent as config.json). */
  prepare(paths: JobPaths): Promise<object>;
  /** Heartbeated every second together with the latest stored checkpoint; `onEvent` keeps it current. */
  progress: object;
  onEvent?(event: TrainerEvent<P>): void;
  /** Turns the `done` event into the activity's result (uploads, records) while scratch still exists. */
  finish(done: z.infer<P['done']>, o: { attempt: number; paths: JobPaths }): Promise<R>;
}

/**
 * Runs one trainer verb as a Temporal activity on a GPU worker: a scratch directory, inputs
 * staged, heartbeats naming the last uploaded checkpoint (a retry on another worker resumes from
 * it), SIGTERM→SIGKILL on cancellation, exit codes mapped to retryable or not, and cleanup.
 */
export async function runTrainerJob<P extends AnyVerbProtocol, R>(deps: GpuDeps, job: TrainerJob<P, R>): Promise<R> {
  const ctx = Context.current();
  const attempt = ctx.info.attempt;
  const previous = ctx.info.heartbeatDetails as { checkpoint?: JobCheckpoint | null } | undefined;
  let checkpoint: JobCheckpoint | null = previous?.checkpoint ?? null;
  const beat = () => ctx.heartbeat({ ...job.progress, checkpoint });
  // The activity context logger: its JSON lines carry runId, stage and attempt (Runtime logger).
  const say = (msg: string) => ctx.log.info(`${job.protocol.verb}: ${msg}`);

  const scratch = await makeAttemptDir(deps.scratchRoot, `${job.protocol.verb}-${job.runId}-a${attempt}`);
  const heartbeat = setInterval(beat, 1000);
  beat();
  try {
    const paths: JobPaths = { scratch, outputDir: join(scratch, 'out'), resumeFrom: null };
    if (checkpoint) {
      paths.resumeFrom = join(paths.outputDir, 'checkpoints', `step-${checkpoint.step}`);
      await getDirectory(deps.sources.store, checkpoint.uri, paths.resumeFrom);
    }
    const configPath = join(scratch, 'config.json');
    await writeFile(configPath, JSON.stringify(await job.prepare(paths), null, 2));

    let uploads = Promise.resolve();
    let last: TrainerEvent<P> | undefined;
    const labels = { pool: ctx.info.taskQueue.slice(TASK_QUEUES.gpu('').length), verb: job.protocol.verb };
    const tokensPerSecond = metric(METRICS.trainerTokensPerSecond);
    const running = metric(METRICS.trainerJobsRunning);
    const trainer = startTrainer({
      python: deps.python,
      protocol: job.protocol,
      configPath,
      env: { REFINERY_RUN_ID: job.runId }, // an attribute of the trainer's span
      // The trainer's own log and library warnings, relayed as JSON lines of this attempt (the
      // trainer logs ids, counts and line numbers, never record content: PROTOCOL.md).
      onStderr: (line) => line.trim() && ctx.log.info(line, { source: 'trainer' }),
      onEvent: (e) => {
        // The exit report follows the closing event: accounted (stage-attempt interceptor), never the job's outcome.
        if (e.event === 'usage') return reportTrainerCpu(ctx, (e as { cpu_seconds: number }).cpu_seconds);
        last = e;
        if (e.event === 'checkpoint') {
          const { step, path } = e as { step: number; path: string };
          // Uploads run in order in the background; the heartbeat names a checkpoint only once it is stored.
          uploads = uploads.then(async () => {
            checkpoint = { step, uri: (await putDirectory(deps.sources.store, path)).uri };
            beat();
          });
        }
        const tps = (e as { event: string; tokens_per_second?: unknown }).tokens_per_second;
        if (e.event === 'step' && typeof tps === 'number') tokensPerSecond.set(labels, tps);
        job.onEvent?.(e);
      },
    });
    noteTrainerStarted(ctx);
    running.inc(labels);
    const stopped = () => running.dec(labels);
    trainer.exited.then(stopped, stopped);
    say(`trainer pid ${trainer.pid} started${checkpoint ? `, resuming from the step-${checkpoint.step} checkpoint` : ''}`);
    const onCancel = () => {
      say(`cancellation received: SIGTERM to trainer pid ${trainer.pid}`);
      void trainer.stop(deps.killGraceMs);
    };
    ctx.cancellationSignal.addEventListener('abort', onCancel);
    const code = await trainer.exited.finally(() => ctx.cancellationSignal.removeEventListener('abort', onCancel));
    say(`trainer exited with code ${code}`);
    await uploads;

    if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`${job.protocol.verb} cancelled; trainer pid ${trainer.pid} stopped`);
    const broken = trainer.protocolError();
    if (broken) throw ApplicationFailure.nonRetryable(broken.message, 'TrainerProtocolError');
    const lastEvent = last as { event: string; message?: string } | undefined;
    if (code === 0 && lastEvent?.event === 'done') return await job.finish(last as z.infer<P['done']>, { attempt, paths });
    const message = lastEvent?.event === 'error' ? lastEvent.message! : `trainer exited with code ${code} (last event: ${lastEvent?.event ?? 'none'})`;
    // Exit 2 = bad input: retrying cannot help. Anything else retries, resuming from the last checkpoint.
    if (code === 2) throw ApplicationFailure.nonRetryable(message, 'TrainerInvalidInput');
    throw ApplicationFailure.retryable(message, 'TrainerFailed');
  } finally {
    clearInterval(heartbeat);
    await rm(scratch, { recursive: true, force: true });
  }
}
