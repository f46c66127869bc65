import { createRequire } from 'node:module';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import { activeTracing, type Tracing } from './tracing';

/**
 * Temporal's OpenTelemetry workflow interceptors (RunWorkflow, StartActivity, signal/update/query
 * spans), bundled into the workflow sandbox. They continue the trace the client put in the
 * workflow's headers and pass it on in each activity's headers; replay-safe (SDK flags), so a
 * worker with tracing on replays histories recorded without it (workers/pipeline/test/replay.test.ts).
 */
export const WORKFLOW_TRACING_INTERCEPTORS = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * A RunActivity:<type> span around each activity, a child of the workflow's StartActivity span
 * (from the activity's headers); the trainer subprocess continues it (TRACEPARENT). Empty when
 * tracing is off. List it first: it then also covers the other interceptors' bookkeeping. (Not
 * the SDK's outbound interceptor: it adds trace_id/span_id to log records, which the JSON logger
 * already stamps as traceId/spanId from the active span.)
 */
export function tracingActivityInterceptors(tracing: Tracing | undefined = activeTracing()): ActivityInterceptorsFactory[] {
  if (!tracing) return [];
  return [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) })];
}

/** The workflow side for a worker that runs workflows: the interceptor module and the sink its spans leave the sandbox through. */
export function tracingWorkflowOptions(tracing: Tracing | undefined = activeTracing()): { workflowModules: string[]; sinks: InjectedSinks<OpenTelemetrySinks> | undefined } {
  if (!tracing) return { workflowModules: [], sinks: undefined };
  return { workflowModules: [WORKFLOW_TRACING_INTERCEPTORS], sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) } };
}
