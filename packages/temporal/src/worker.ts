import { NativeConnection } from '@temporalio/worker';
import { temporalConnectionOptions, type TemporalConfig } from './client';

export { stageAttemptsInterceptor } from './stage-attempts';

/** The workers' connection, from the same options as every client. */
export function temporalWorkerConnectionFromConfig(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config));
}
