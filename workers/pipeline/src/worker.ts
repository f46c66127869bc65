import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { TASK_QUEUES } from '@refinery/core';
import { activityLogTraceInterceptor, activityMetricsInterceptor, stageAttemptsInterceptor, tracingActivityInterceptors, tracingWorkflowOptions } from '@refinery/temporal/worker';
import { createActivities, type PipelineDeps } from './activities';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

/**
 * The pipeline worker: runs fineTuneRun workflows and the CPU stage activities. `dataConverter`
 * is temporalWorkerDataConverterFromConfig's (payloads and failure messages encrypted).
 */
export async function createPipelineWorker(o: { connection: NativeConnection; namespace: string; dataConverter: DataConverter; deps: PipelineDeps }): Promise<Worker> {
  // With tracing started (@refinery/temporal/tracing): a span per workflow and activity, in the submitter's trace.
  const traced = tracingWorkflowOptions();
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    dataConverter: o.dataConverter,
    taskQueue: TASK_QUEUES.pipeline,
    workflowsPath: WORKFLOWS_PATH,
    activities: createActivities(o.deps),
    interceptors: { activity: [...tracingActivityInterceptors(), stageAttemptsInterceptor(o.deps.db), activityMetricsInterceptor(), activityLogTraceInterceptor()], workflowModules: traced.workflowModules },
    ...(traced.sinks ? { sinks: traced.sinks } : {}),
  });
}
