import { tmpdir } from 'node:os';
import { Runtime } from '@temporalio/worker';
import { createLogger, routeConsoleTo } from '@refinery/core/log';
import { startTracing } from '@refinery/temporal/tracing';
import { temporalLogger, temporalWorkerDataConverterFromConfig, temporalWorkerConnectionFromConfig, workerMetricsFromConfig, WORKER_METRICS_CONFIG_KEYS } from '@refinery/temporal/worker';
import { ConfigError, loadConfig, loadSigningKey } from '@refinery/core';
import { temporalClientFromConfig } from '@refinery/temporal';
import { connect } from '@refinery/db';
import { runMigrations } from '@refinery/db/migrate';
import { removeStaleAttemptDirs, sourceContextFromConfig } from '@refinery/storage';
import { ensureAuditCheckpointSchedule } from './audit-schedule';
import { openLineageEmitter } from './openlineage/emitter';
import { ensureOpenLineageRedeliverySchedule } from './openlineage/schedule';
import { createPipelineWorker } from './worker';

/** Entry point of the pipeline worker process; configured entirely from the environment. */
async function main() {
  // One JSON object per line from here on, Temporal's own logs and every console call included.
  const log = createLogger('pipeline-worker');
  routeConsoleTo(log);
  // Traces over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; before any Temporal client or worker exists.
  const tracing = startTracing('refinery-pipeline-worker');
  // Before Runtime.install: the Temporal SDK's Prometheus exporter is part of the runtime.
  const metrics = await workerMetricsFromConfig(loadConfig(WORKER_METRICS_CONFIG_KEYS));
  // logging.forward: Temporal Core's own (Rust) log lines go through the JSON logger too, not straight to stderr.
  Runtime.install({ logger: temporalLogger(log), telemetryOptions: { logging: { forward: {} }, ...metrics?.telemetryOptions } });
  const config = loadConfig(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'OBJECT_STORE_URL', 'REFINERY_DATA_ROOTS', 'REFINERY_BASE_DIR', 'REFINERY_PAYLOAD_KEYS', 'REFINERY_PAYLOAD_KEY_ID', 'REFINERY_AUDIT_SIGNING_KEY', 'REFINERY_OPENLINEAGE_URL', 'REFINERY_OPENLINEAGE_API_KEY']);
  const database = connect(config.DATABASE_URL);
  await runMigrations(database); // a worker deployed alone still finds its schema current
  const sources = sourceContextFromConfig(config);
  // Partial outputs of attempts a dead worker left behind (kill -9, OOM) before this one takes work.
  const scratchRoot = process.env.REFINERY_SCRATCH_DIR || tmpdir();
  const stale = await removeStaleAttemptDirs(scratchRoot);
  if (stale.length) console.log(`[pipeline-worker] removed ${stale.length} attempt director${stale.length === 1 ? 'y' : 'ies'} left in ${scratchRoot} by a worker that died`);
  const connection = await temporalWorkerConnectionFromConfig(config);
  const openlineageEndpoint = config.REFINERY_OPENLINEAGE_URL ? { url: config.REFINERY_OPENLINEAGE_URL, apiKey: config.REFINERY_OPENLINEAGE_API_KEY } : undefined;
  const openlineage = openLineageEmitter(database.db, openlineageEndpoint);
  const worker = await createPipelineWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: temporalWorkerDataConverterFromConfig(config),
    deps: {
      db: database.db,
      sources,
      auditSigningKey: config.REFINERY_AUDIT_SIGNING_KEY ? loadSigningKey(config.REFINERY_AUDIT_SIGNING_KEY) : undefined,
      openlineage,
      openlineageEndpoint,
      scratchRoot,
    },
  });
  if (!config.REFINERY_AUDIT_SIGNING_KEY) console.warn('[pipeline-worker] REFINERY_AUDIT_SIGNING_KEY is not set: the daily audit checkpoint will fail until it is (docs/security.md, Audit log)');
  // The daily checkpoint's schedule; a Temporal hiccup here must not keep the worker from its runs.
  const schedule = temporalClientFromConfig(config).then(async (client) => {
    try {
      return await ensureAuditCheckpointSchedule(client);
    } finally {
      await client.connection.close();
    }
  });
  await schedule.then(
    (r) => r === 'created' && console.log('[pipeline-worker] scheduled the daily audit checkpoint'),
    (err: Error) => console.warn(`[pipeline-worker] could not ensure the audit checkpoint schedule (${err.message}); it is retried at the next start`),
  );
  // OpenLineage redelivery every minute while an endpoint is configured; same care as above.
  await temporalClientFromConfig(config)
    .then(async (client) => {
      try {
        return await ensureOpenLineageRedeliverySchedule(client, !!openlineageEndpoint);
      } finally {
        await client.connection.close();
      }
    })
    .then(
      (r) => (r === 'created' || r === 'removed') && console.log(`[pipeline-worker] OpenLineage redelivery schedule ${r}`),
      (err: Error) => console.warn(`[pipeline-worker] could not ensure the OpenLineage redelivery schedule (${err.message}); it is retried at the next start`),
    );
  if (metrics) console.log(`[pipeline-worker] metrics at ${await metrics.serve()}`);
  console.log(`[pipeline-worker] polling ${worker.options.taskQueue} on ${config.TEMPORAL_ADDRESS}; objects in ${sources.store.description}`);
  await worker.run(); // resolves after SIGINT/SIGTERM (the SDK installs handlers) once in-flight tasks drain
  // Give the background OpenLineage sends a moment; what is left is redelivered later (the outbox).
  await Promise.race([openlineage.drained(), new Promise((r) => setTimeout(r, 5_000).unref())]);
  await metrics?.close();
  await tracing?.shutdown(); // sends the spans still queued
  await connection.close();
  await database.close();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `[pipeline-worker] ${err.message}` : err);
  process.exit(1);
});
