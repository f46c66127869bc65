import type { Client } from '@temporalio/client';
import { loadConfig, type Config } from '@refinery/core';
import { connect, type Database } from '@refinery/db';
import { sourceContextFromConfig, type SourceContext } from '@refinery/storage';
import { temporalClientFromConfig } from '@refinery/temporal';

type WebConfig = Pick<Config, 'DATABASE_URL' | 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'OBJECT_STORE_URL' | 'REFINERY_DATA_ROOTS' | 'REFINERY_BASE_DIR' | 'MAX_UPLOAD_BYTES'>;

export interface ServerContext {
  config: WebConfig;
  database: Database;
  sources: SourceContext;
  temporal(): Promise<Client>;
}

/**
 * One context per server process (cached on globalThis so dev-mode reloads reuse it).
 * Config is validated on first use. Migrations are applied by the launcher before start.
 */
const g = globalThis as unknown as { __refinery?: Promise<ServerContext> };

export function serverContext(): Promise<ServerContext> {
  g.__refinery ??= create().catch((err) => {
    g.__refinery = undefined;
    throw err;
  });
  return g.__refinery;
}

async function create(): Promise<ServerContext> {
  const config = loadConfig(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'OBJECT_STORE_URL', 'REFINERY_DATA_ROOTS', 'REFINERY_BASE_DIR', 'MAX_UPLOAD_BYTES']);
  const database = connect(config.DATABASE_URL);
  let client: Promise<Client> | undefined;
  return {
    config,
    database,
    sources: sourceContextFromConfig(config),
    temporal() {
      client ??= temporalClientFromConfig(config).catch((err) => {
          client = undefined;
          throw err;
        });
      return client;
    },
  };
}
