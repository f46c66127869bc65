import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { temporalConnectionOptions, type TemporalAddressConfig } from './client';
import { temporalDataConverterFromConfig, type PayloadKeyConfig } from './data-converter';

export { stageAttemptsInterceptor, type StageUsageOptions } from './stage-attempts';
export { CpuShareMeter, noteTrainerStarted, reportTrainerCpu } from './stage-usage';
export { tracingActivityInterceptors, tracingWorkflowOptions, WORKFLOW_TRACING_INTERCEPTORS } from './worker-tracing';
export { activityLogTraceInterceptor, temporalLogger, temporalLogFields } from './log';
export { activityMetricsInterceptor } from './activity-metrics';
export { workerMetricsFromConfig, WORKER_METRICS_CONFIG_KEYS, type WorkerMetrics } from './metrics-server';
export { temporalDataConverterFromConfig };

/** Exports `failureConverter`: failure messages and stack traces become (encrypted) payloads. */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/**
 * The workers' data converter: the clients' (the encryption codec) plus the failure converter
 * that moves failure messages and stack traces into encrypted payloads. Workers encode the
 * failures (activity errors, failed workflows); clients only decode them.
 */
export function temporalWorkerDataConverterFromConfig(config: PayloadKeyConfig): DataConverter {
  return { ...temporalDataConverterFromConfig(config), failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** The workers' connection, from the same options as every client (workers pass temporalDataConverterFromConfig to Worker.create). */
export function temporalWorkerConnectionFromConfig(config: TemporalAddressConfig): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config));
}
