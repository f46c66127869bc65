import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '@refinery/core';
import { connect, type Database } from '@refinery/db';
import { objectStoreFromUrl, type SourceContext } from '@refinery/storage';

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
  const { store, s3 } = objectStoreFromUrl(resolveStoreUrl(config));
  const baseDir = resolve(config.REFINERY_BASE_DIR);
  let client: Promise<Client> | undefined;
  return {
    config,
    database,
    sources: { store, s3, baseDir, allowedRoots: config.REFINERY_DATA_ROOTS.split(':').map((r) => resolve(baseDir, r)) },
    temporal() {
      client ??= Connection.connect({ address: config.TEMPORAL_ADDRESS })
        .then((connection) => new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }))
        .catch((err) => {
          client = undefined;
          throw err;
        });
      return client;
    },
  };
}

const resolveStoreUrl = (c: WebConfig) =>
  c.OBJECT_STORE_URL.startsWith('s3://') || c.OBJECT_STORE_URL.startsWith('file://') ? c.OBJECT_STORE_URL : resolve(c.REFINERY_BASE_DIR, c.OBJECT_STORE_URL);
