import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { STAGE_DEFINITIONS, STAGES, type StageName } from '@refinery/core';
import { metric, METRICS, secondsSince } from '@refinery/core/metrics';

/**
 * Observes every activity attempt a worker runs: how long it waited in its task queue (Temporal's
 * scheduled time of this attempt → now, clamped at 0 against clock skew) and, for stage
 * activities, how long the attempt took and how it ended.
 */
export function activityMetricsInterceptor(): ActivityInterceptorsFactory {
  const stageOf = new Map<string, StageName>(STAGES.map((s) => [STAGE_DEFINITIONS[s].activity, s]));
  const queueWait = metric(METRICS.queueWait);
  const stageDuration = metric(METRICS.stageDuration);
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const { info } = ctx;
        queueWait.observe({ task_queue: info.taskQueue }, Math.max(0, Date.now() - info.currentAttemptScheduledTimestampMs) / 1000);
        const stage = stageOf.get(info.activityType);
        if (!stage) return next(input);
        const started = performance.now();
        let outcome = 'failed';
        try {
          const result = await next(input);
          outcome = 'succeeded';
          return result;
        } catch (err) {
          if (err instanceof CancelledFailure || ctx.cancellationSignal.aborted) outcome = 'cancelled';
          throw err;
        } finally {
          stageDuration.observe({ stage, outcome }, secondsSince(started));
        }
      },
    },
  });
}
