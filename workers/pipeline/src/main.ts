import { resolve } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig } from '@refinery/core';
import { connect } from '@refinery/db';
import { runMigrations } from '@refinery/db/migrate';
import { objectStoreFromUrl } from '@refinery/storage';
import { createPipelineWorker } from './worker';

/** Entry point of the pipeline worker process; configured entirely from the environment. */
async function main() {
  Runtime.install({ logger: new DefaultLogger((process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'WARN') });
  const config = loadConfig(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'OBJECT_STORE_URL', 'REFINERY_DATA_ROOTS', 'REFINERY_BASE_DIR']);
  const database = connect(config.DATABASE_URL);
  await runMigrations(database); // a worker deployed alone still finds its schema current
  const { store, s3 } = objectStoreFromUrl(config.OBJECT_STORE_URL);
  const baseDir = resolve(config.REFINERY_BASE_DIR);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createPipelineWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    deps: {
      db: database.db,
      sources: { store, s3, baseDir, allowedRoots: config.REFINERY_DATA_ROOTS.split(':').map((r) => resolve(baseDir, r)) },
    },
  });
  console.log(`[pipeline-worker] polling ${worker.options.taskQueue} on ${config.TEMPORAL_ADDRESS}; objects in ${store.description}`);
  await worker.run(); // resolves after SIGINT/SIGTERM (the SDK installs handlers) once in-flight tasks drain
  await connection.close();
  await database.close();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `[pipeline-worker] ${err.message}` : err);
  process.exit(1);
});
