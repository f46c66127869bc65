import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { loadConfig, type Config } from '@refinery/core';
import { temporalDataConverterFromConfig, type PayloadKeyConfig } from './data-converter';
import { activeTracing } from './tracing';
import { TEMPORAL_TLS_KEYS, temporalTlsOptions } from './tls';

export * from './data-converter';
export { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadDecryptionError, isEncrypted, payloadKeyId, type PayloadKeys } from './payload-codec';
export { codecServerCall, CodecRequestError } from './codec-server';
export { decodeHistory, historyPayloads, mapHistoryPayloads } from './history';
export { TEMPORAL_TLS_KEYS, temporalTlsOptions, type TemporalTlsConfig } from './tls';
export { ensureNamespace } from './namespace';

export type TemporalAddressConfig = Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>;
export type TemporalConfig = TemporalAddressConfig & PayloadKeyConfig;
/** What a Temporal client needs from the environment: `loadConfig(TEMPORAL_CONFIG_KEYS, env)`. */
export const TEMPORAL_CONFIG_KEYS = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'REFINERY_PAYLOAD_KEYS', 'REFINERY_PAYLOAD_KEY_ID'] as const;

/**
 * How every Refinery process reaches Temporal: the web app and tests through a Client, the
 * workers through a NativeConnection (./worker), both with the data converter of
 * ./data-converter (payloads encrypted with AES-256-GCM), and TLS from TEMPORAL_TLS_* (./tls).
 */
export function temporalConnectionOptions(config: TemporalAddressConfig, env: Record<string, string | undefined> = process.env): Pick<ConnectionOptions, 'address' | 'tls'> {
  const tls = temporalTlsOptions(loadConfig(TEMPORAL_TLS_KEYS, env));
  return { address: config.TEMPORAL_ADDRESS, ...(tls ? { tls } : {}) };
}

export async function temporalClientFromConfig(config: TemporalConfig, o: { connectTimeoutMs?: number } = {}): Promise<Client> {
  const connection = await temporalConnectionFromConfig(config, o);
  // With tracing on (./tracing), workflow starts, signals, updates and queries carry the caller's trace.
  const interceptors = activeTracing() ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: temporalDataConverterFromConfig(config), interceptors });
}

/** A bare connection, for calls that carry no payloads (health probes): it needs no keys. */
export function temporalConnectionFromConfig(config: TemporalAddressConfig, o: { connectTimeoutMs?: number } = {}): Promise<Connection> {
  return Connection.connect({ ...temporalConnectionOptions(config), ...(o.connectTimeoutMs ? { connectTimeout: o.connectTimeoutMs } : {}) });
}
