import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Config } from '@refinery/core';

export type TemporalConfig = Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>;

/**
 * How every Refinery process reaches Temporal: the web app and tests through a Client, the
 * workers through a NativeConnection (./worker). The one place where TLS and a payload codec
 * (encrypted workflow payloads) will be configured.
 */
export function temporalConnectionOptions(config: TemporalConfig): Pick<ConnectionOptions, 'address'> {
  return { address: config.TEMPORAL_ADDRESS };
}

export async function temporalClientFromConfig(config: TemporalConfig, o: { connectTimeoutMs?: number } = {}): Promise<Client> {
  const connection = await Connection.connect({
    ...temporalConnectionOptions(config),
    ...(o.connectTimeoutMs ? { connectTimeout: o.connectTimeoutMs } : {}),
  });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}
