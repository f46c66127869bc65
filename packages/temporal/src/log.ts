import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { STAGE_DEFINITIONS, STAGES, type StageName } from '@refinery/core';
import { activeTraceIds, loggableError, type Logger } from '@refinery/core/log';

/** The workflow whose id is the run id (runs.id). */
const RUN_WORKFLOW_TYPE = 'fineTuneRun';
const STAGE_OF_ACTIVITY = new Map<string, StageName>(STAGES.map((s) => [STAGE_DEFINITIONS[s].activity, s]));

/**
 * The fields a Temporal log record becomes: the SDK's workflow/activity attributes mapped onto
 * Refinery's (`runId` = the workflow id of a fineTuneRun, `stage` from the activity type via
 * STAGE_DEFINITIONS, `attempt` the activity attempt, which is the stage attempt), Temporal's own
 * run id kept as `temporalRunId`, the activity task token dropped (it can complete the activity;
 * Core calls it `task_token`),
 * and errors reduced to what is safe to print.
 */
export function temporalLogFields(meta: LogMetadata | undefined): Record<string, unknown> {
  // Refinery's fields first, so a line reads run, stage, attempt before Temporal's details.
  const fields: Record<string, unknown> = {};
  if (meta?.workflowType === RUN_WORKFLOW_TYPE && typeof meta.workflowId === 'string') fields.runId = meta.workflowId;
  const stage = typeof meta?.activityType === 'string' ? STAGE_OF_ACTIVITY.get(meta.activityType) : undefined;
  if (stage) fields.stage = stage;
  if (meta?.attempt !== undefined) fields.attempt = meta.attempt;
  // Only the ids captured when the record was made (activityLogTraceInterceptor): Temporal's
  // Runtime logger writes records later, where the active span may be another activity's, so
  // these keys are always set (undefined drops them) to override the logger's own mixin.
  fields.traceId = meta?.traceId;
  fields.spanId = meta?.spanId;
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (key === 'taskToken' || key === 'task_token' || key === 'error' || key === 'failure' || key === 'attempt' || key === 'traceId' || key === 'spanId') continue;
    if (key === 'runId' || key === 'workflowRunId') fields.temporalRunId = value;
    else fields[key] = value;
  }
  const error = meta?.error ?? meta?.failure;
  if (error !== undefined) fields.err = loggableError(error, { withholdMessage: 'runId' in fields || !!stage });
  return fields;
}

/**
 * Stamps the active span's trace and span ids on an activity's log records when they are made (in
 * the activity's context, inside its RunActivity span); list it with the workers' activity interceptors.
 */
export function activityLogTraceInterceptor(): ActivityInterceptorsFactory {
  return () => ({ outbound: { getLogAttributes: (input, next) => next({ ...input, ...activeTraceIds() }) } });
}

/**
 * Temporal's Runtime logger (SDK, Core, workflow and activity context logs) writing through the
 * process's JSON logger. Install it first: `Runtime.install({ logger: temporalLogger(log) })`.
 */
export function temporalLogger(logger: Logger): TemporalLogger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const pinoLevel = level === 'TRACE' ? 'trace' : level === 'DEBUG' ? 'debug' : level === 'INFO' ? 'info' : level === 'WARN' ? 'warn' : 'error';
    logger[pinoLevel](temporalLogFields(meta), message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
