import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { TASK_QUEUES } from '@refinery/core';
import { activityLogTraceInterceptor, activityMetricsInterceptor, stageAttemptsInterceptor, tracingActivityInterceptors } from '@refinery/temporal/worker';
import type { GpuDeps } from './deps';
import { evaluateActivities } from './evaluate-activity';
import { mergeActivities } from './merge-activity';
import { quantizeActivities } from './quantize-activity';
import { trainActivities } from './train-activity';

/**
 * A GPU worker polls `refinery-gpu-<pool>` and runs at most one compute activity per GPU
 * (one on a CPU-only host), so a host is never oversubscribed: each job holds one GPU (none on a
 * CPU-only host), which is what its GPU-seconds count.
 */
export async function createGpuWorker(o: { connection: NativeConnection; namespace: string; dataConverter: DataConverter; pool: string; gpus: number; deps: GpuDeps; identity?: string }) {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    // Heartbeats (checkpoints) and reports are encrypted like every other payload.
    dataConverter: o.dataConverter,
    taskQueue: TASK_QUEUES.gpu(o.pool),
    activities: { ...trainActivities(o.deps), ...mergeActivities(o.deps), ...quantizeActivities(o.deps), ...evaluateActivities(o.deps) },
    // tracingActivityInterceptors: with tracing started, a span per activity that the trainer's span continues.
    interceptors: { activity: [...tracingActivityInterceptors(), stageAttemptsInterceptor(o.deps.db, { gpusPerJob: o.gpus > 0 ? 1 : 0 }), activityMetricsInterceptor(), activityLogTraceInterceptor()] },
    maxConcurrentActivityTaskExecutions: Math.max(1, o.gpus),
    // Cancellation reaches the trainer through heartbeats; give SIGTERM→SIGKILL time to finish.
    shutdownGraceTime: o.deps.killGraceMs + 5000,
    // Send the latest heartbeat (with the newest checkpoint) within ~1 s, not the SDK's default
    // of 80% of the heartbeat timeout: a worker killed right after a checkpoint loses nothing.
    maxHeartbeatThrottleInterval: '1 second',
    ...(o.identity ? { identity: o.identity } : {}),
  });
}
