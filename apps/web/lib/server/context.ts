import type { Client } from '@temporalio/client';
import { AUTH_CONFIG_KEYS, createAuth, type Auth, type AuthConfig } from '@refinery/auth';
import { loadConfig, type Config } from '@refinery/core';
import { connect, type Database } from '@refinery/db';
import { sourceContextFromConfig, type SourceContext } from '@refinery/storage';
import { temporalClientFromConfig } from '@refinery/temporal';

const WEB_CONFIG_KEYS = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'OBJECT_STORE_URL', 'REFINERY_DATA_ROOTS', 'REFINERY_BASE_DIR', 'MAX_UPLOAD_BYTES', 'REFINERY_PLAYGROUND_CONCURRENCY', 'REFINERY_PAYLOAD_KEYS', 'REFINERY_PAYLOAD_KEY_ID', 'REFINERY_TEMPORAL_UI_ORIGIN', 'REFINERY_AUDIT_SIGNING_KEY', 'REFINERY_TRACE_URL_TEMPLATE', 'REFINERY_GPU_POOLS', ...AUTH_CONFIG_KEYS] as const;
type WebConfig = Pick<Config, (typeof WEB_CONFIG_KEYS)[number]> & AuthConfig;

export interface ServerContext {
  config: WebConfig;
  database: Database;
  auth: Auth;
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
  const config = loadConfig(WEB_CONFIG_KEYS);
  const database = connect(config.DATABASE_URL);
  const auth = createAuth(database.db, config);
  let client: Promise<Client> | undefined;
  return {
    config,
    database,
    auth,
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
