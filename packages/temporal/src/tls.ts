import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import { ConfigError, type Config } from '@refinery/core';

/** TLS to Temporal, read from the process environment by every connection (docs/deploy.md, TLS to Temporal). */
export const TEMPORAL_TLS_KEYS = ['TEMPORAL_TLS', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME'] as const;
export type TemporalTlsConfig = Pick<Config, (typeof TEMPORAL_TLS_KEYS)[number]>;

/**
 * The connection's TLS settings, or undefined for plaintext (the dev server). TLS is on with
 * TEMPORAL_TLS=true or any of the settings; a client certificate pair makes it mutual (Temporal
 * Cloud). The files are read here, at connect time, so a missing mount stops the process with its name.
 */
export function temporalTlsOptions(config: TemporalTlsConfig): ConnectionOptions['tls'] {
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: serverName } = config;
  if (Boolean(cert) !== Boolean(key)) {
    throw new ConfigError([`TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: set both (the client certificate and its private key, for mTLS) or neither (${cert ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'} is not set)`]);
  }
  const anySetting = Boolean(cert || ca || serverName);
  if (config.TEMPORAL_TLS === 'false' && anySetting) throw new ConfigError(['TEMPORAL_TLS: "false" contradicts the TEMPORAL_TLS_* settings that are set; remove one or the other']);
  if (config.TEMPORAL_TLS !== 'true' && !anySetting) return undefined;
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError([`${name}: cannot read "${path}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); mount the PEM file there or unset ${name}`]);
    }
  };
  return {
    ...(serverName ? { serverNameOverride: serverName } : {}),
    ...(ca ? { serverRootCACertificate: read('TEMPORAL_TLS_CA', ca) } : {}),
    ...(cert && key ? { clientCertPair: { crt: read('TEMPORAL_TLS_CERT', cert), key: read('TEMPORAL_TLS_KEY', key) } } : {}),
  };
}
