import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '@temporalio/worker';
import { createLogger, routeConsoleTo } from '@refinery/core/log';
import { startTracing } from '@refinery/temporal/tracing';
import { temporalLogger, temporalWorkerDataConverterFromConfig, temporalWorkerConnectionFromConfig, workerMetricsFromConfig, WORKER_METRICS_CONFIG_KEYS } from '@refinery/temporal/worker';
import { ConfigError, loadConfig } from '@refinery/core';
import { connect } from '@refinery/db';
import { runMigrations } from '@refinery/db/migrate';
import { removeStaleAttemptDirs, sourceContextFromConfig } from '@refinery/storage';
import { detectGpuCount } from './device';
import { createGpuWorker } from './worker';

/** Entry point of a GPU worker process (one per GPU host); configured from the environment. */
async function main() {
  // One JSON object per line from here on, Temporal's own logs and every console call included.
  const log = createLogger('gpu-worker');
  routeConsoleTo(log);
  // Traces over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; before any Temporal client or worker exists.
  const tracing = startTracing('refinery-gpu-worker');
  // Before Runtime.install: the Temporal SDK's Prometheus exporter is part of the runtime.
  const metrics = await workerMetricsFromConfig(loadConfig(WORKER_METRICS_CONFIG_KEYS));
  // logging.forward: Temporal Core's own (Rust) log lines go through the JSON logger too, not straight to stderr.
  Runtime.install({ logger: temporalLogger(log), telemetryOptions: { logging: { forward: {} }, ...metrics?.telemetryOptions } });
  const config = loadConfig(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'OBJECT_STORE_URL', 'REFINERY_DATA_ROOTS', 'REFINERY_BASE_DIR', 'GPU_POOL', 'REFINERY_PYTHON', 'REFINERY_PAYLOAD_KEYS', 'REFINERY_PAYLOAD_KEY_ID']);
  if (!config.REFINERY_PYTHON) throw new ConfigError(['REFINERY_PYTHON: the trainer venv python is required (bash scripts/bootstrap prints it to .data/toolchain.env) (not set)']);
  const database = connect(config.DATABASE_URL, { max: 4 });
  await runMigrations(database);
  const sources = sourceContextFromConfig(config);
  const gpus = detectGpuCount(config.REFINERY_PYTHON);
  // Inputs, checkpoints and outputs of trainer jobs a dead worker left behind, before this one takes work.
  const scratchRoot = process.env.REFINERY_SCRATCH_DIR ?? join(tmpdir(), 'refinery-gpu');
  const stale = await removeStaleAttemptDirs(scratchRoot);
  if (stale.length) console.log(`[gpu-worker] removed ${stale.length} job director${stale.length === 1 ? 'y' : 'ies'} left in ${scratchRoot} by a worker that died`);
  const connection = await temporalWorkerConnectionFromConfig(config);
  const worker = await createGpuWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: temporalWorkerDataConverterFromConfig(config),
    pool: config.GPU_POOL,
    gpus,
    deps: {
      db: database.db,
      sources,
      python: config.REFINERY_PYTHON,
      scratchRoot,
      killGraceMs: Number(process.env.TRAINER_KILL_GRACE_MS ?? 5000),
    },
  });
  if (metrics) console.log(`[gpu-worker ${process.pid}] metrics at ${await metrics.serve()}`);
  console.log(`[gpu-worker ${process.pid}] polling ${worker.options.taskQueue}; ${gpus ? `${gpus} CUDA GPU(s)` : 'no CUDA GPU: training on CPU'}, ${Math.max(1, gpus)} concurrent`);
  await worker.run();
  await metrics?.close();
  await tracing?.shutdown(); // sends the spans still queued
  await connection.close();
  await database.close();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `[gpu-worker] ${err.message}` : err);
  process.exit(1);
});
