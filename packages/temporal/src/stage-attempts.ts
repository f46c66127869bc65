import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { gpuSecondsOf, STAGE_DEFINITIONS, STAGES, type CpuMeasure, type StageName } from '@refinery/core';
import { recordStageAttemptFailed, recordStageRetry, recordStageUsage, type Db } from '@refinery/db';
import { CpuShareMeter, trainerCpuSecondsOf } from './stage-usage';

/**
 * Records each attempt of a stage activity in the stage timeline. Temporal retries activities
 * inside one workflow step, so only the worker sees attempt 2, 3, ...: a retry opens a new row
 * (closing an earlier one whose worker died without a word), a thrown error closes its own.
 * The stage's final outcome is still written by the workflow, on the latest attempt. Each attempt's
 * usage (wall, CPU and GPU-seconds, priced) is recorded on its row when it ends, however it ends.
 */
export function stageAttemptsInterceptor(db: Db, usage: StageUsageOptions = { gpusPerJob: null }): ActivityInterceptorsFactory {
  const stageOf = new Map<string, StageName>(STAGES.map((s) => [STAGE_DEFINITIONS[s].activity, s]));
  const cpuMeter = new CpuShareMeter();
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const stage = stageOf.get(ctx.info.activityType);
        const runId = (input.args[0] as { runId?: unknown } | undefined)?.runId;
        if (!stage || typeof runId !== 'string') return next(input);
        const attempt = ctx.info.attempt;
        if (attempt > 1) {
          await recordStageRetry(db, runId, stage, attempt, `attempt ${attempt - 1} stopped without reporting (its worker died or missed its heartbeat); retried as attempt ${attempt}`);
        }
        // One line per attempt's start and end: the Runtime logger adds runId, stage and attempt.
        const started = Date.now();
        const stopCpu = cpuMeter.start();
        // Whatever the outcome (done, failed, cancelled), what the attempt used is recorded (and logged with its end).
        let usageFields: { cpuSeconds: number | null; gpuSeconds: number } | undefined;
        const recordUsage = async () => {
          const wallSeconds = (Date.now() - started) / 1000;
          const workerCpuSeconds = stopCpu();
          const gpuWorker = usage.gpusPerJob !== null;
          const gpus = usage.gpusPerJob ?? 0;
          const measured = {
            queue: ctx.info.taskQueue,
            wallSeconds,
            cpuSeconds: gpuWorker ? trainerCpuSecondsOf(ctx) : workerCpuSeconds,
            cpuMeasure: (gpuWorker ? 'trainer-rusage' : 'worker-share') as CpuMeasure,
            gpus,
            gpuSeconds: gpuSecondsOf(wallSeconds, gpus),
          };
          const recorded = await recordStageUsage(db, runId, stage, attempt, measured).catch((e: Error) => ctx.log.warn(`could not record the attempt's usage: ${e.message}`));
          if (recorded === false) ctx.log.warn(`no ${stage} attempt ${attempt} row to record usage on`);
          usageFields = { cpuSeconds: measured.cpuSeconds, gpuSeconds: measured.gpuSeconds };
        };
        ctx.log.info(`stage ${stage} attempt ${attempt} started`);
        try {
          const result = await next(input).finally(recordUsage);
          ctx.log.info(`stage ${stage} attempt ${attempt} finished`, { durationMs: Date.now() - started, ...usageFields });
          return result;
        } catch (err) {
          const failureType = (err as { type?: unknown }).type ?? (err as Error).name;
          ctx.log.info(`stage ${stage} attempt ${attempt} ended: ${ctx.cancellationSignal.aborted ? 'cancelled' : 'failed'}`, { durationMs: Date.now() - started, failureType, ...usageFields });
          if (!(err instanceof CancelledFailure) && !ctx.cancellationSignal.aborted) {
            await recordStageAttemptFailed(db, runId, stage, attempt, innermostMessage(err)).catch((e: Error) => ctx.log.warn(`could not record the failed attempt: ${e.message}`));
          }
          throw err;
        }
      },
    },
  });
}

export interface StageUsageOptions {
  /**
   * GPU workers: the GPUs one job holds (1 on a GPU host, which runs one job per GPU; 0 on a
   * CPU-only host), and CPU-seconds are the trainer's own (reported at its exit). Null (pipeline
   * workers): no GPU, and CPU-seconds are this process's, shared between concurrent attempts.
   */
  gpusPerJob: number | null;
}

function innermostMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
