import { NativeConnection } from '@temporalio/worker';
import { temporalConnectionOptions, type TemporalAddressConfig } from './client';

export { stageAttemptsInterceptor } from './stage-attempts';
export { temporalDataConverterFromConfig } from './data-converter';

/** The workers' connection, from the same options as every client (workers pass temporalDataConverterFromConfig to Worker.create). */
export function temporalWorkerConnectionFromConfig(config: TemporalAddressConfig): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config));
}
