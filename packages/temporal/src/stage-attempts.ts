import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { STAGE_DEFINITIONS, STAGES, type StageName } from '@refinery/core';
import { recordStageAttemptFailed, recordStageRetry, type Db } from '@refinery/db';

/**
 * Records each attempt of a stage activity in the stage timeline. Temporal retries activities
 * inside one workflow step, so only the worker sees attempt 2, 3, ...: a retry opens a new row
 * (closing an earlier one whose worker died without a word), a thrown error closes its own.
 * The stage's final outcome is still written by the workflow, on the latest attempt.
 */
export function stageAttemptsInterceptor(db: Db): ActivityInterceptorsFactory {
  const stageOf = new Map<string, StageName>(STAGES.map((s) => [STAGE_DEFINITIONS[s].activity, s]));
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
        ctx.log.info(`stage ${stage} attempt ${attempt} started`);
        try {
          const result = await next(input);
          ctx.log.info(`stage ${stage} attempt ${attempt} finished`, { durationMs: Date.now() - started });
          return result;
        } catch (err) {
          const failureType = (err as { type?: unknown }).type ?? (err as Error).name;
          ctx.log.info(`stage ${stage} attempt ${attempt} ended: ${ctx.cancellationSignal.aborted ? 'cancelled' : 'failed'}`, { durationMs: Date.now() - started, failureType });
          if (!(err instanceof CancelledFailure) && !ctx.cancellationSignal.aborted) {
            await recordStageAttemptFailed(db, runId, stage, attempt, innermostMessage(err)).catch((e: Error) => ctx.log.warn(`could not record the failed attempt: ${e.message}`));
          }
          throw err;
        }
      },
    },
  });
}

function innermostMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
