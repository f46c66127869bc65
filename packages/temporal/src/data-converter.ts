import type { DataConverter } from '@temporalio/common';
import { ConfigError, payloadKeysProblems, type Config } from '@refinery/core';
import { EncryptionCodec, type PayloadKeys } from './payload-codec';

export type PayloadKeyConfig = Pick<Config, 'REFINERY_PAYLOAD_KEYS' | 'REFINERY_PAYLOAD_KEY_ID'>;

/** The keys from config; a ConfigError (never showing key material) when they do not fit together. */
export function payloadKeysFromConfig(config: PayloadKeyConfig): PayloadKeys {
  const problems = payloadKeysProblems(config.REFINERY_PAYLOAD_KEYS).map((p) => `REFINERY_PAYLOAD_KEYS: ${p}`);
  if (problems.length) throw new ConfigError(problems);
  const keys = new Map<string, Uint8Array>();
  for (const entry of config.REFINERY_PAYLOAD_KEYS.split(',')) {
    const [id, key] = entry.trim().split(':') as [string, string];
    keys.set(id, new Uint8Array(Buffer.from(key, 'base64')));
  }
  if (!keys.has(config.REFINERY_PAYLOAD_KEY_ID)) {
    throw new ConfigError([`REFINERY_PAYLOAD_KEY_ID: "${config.REFINERY_PAYLOAD_KEY_ID}" is not one of the ids in REFINERY_PAYLOAD_KEYS (${[...keys.keys()].join(', ')})`]);
  }
  return { keys, activeKeyId: config.REFINERY_PAYLOAD_KEY_ID };
}

export function payloadCodecFromConfig(config: PayloadKeyConfig): EncryptionCodec {
  return new EncryptionCodec(payloadKeysFromConfig(config));
}

/**
 * The data converter of every Temporal client and worker (web app, workers, tests, tools): the
 * same encryption codec everywhere, so whatever one process writes the others can read.
 */
export function temporalDataConverterFromConfig(config: PayloadKeyConfig): DataConverter {
  return { payloadCodecs: [payloadCodecFromConfig(config)] };
}
