import { timingSafeEqual, createHash } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Refinery's Prometheus metrics, named once. Each process (web app, pipeline worker, GPU worker)
 * keeps one registry (on globalThis: Next.js bundles each route module separately, and they must
 * all share it) and creates a metric the first time it records one. The Grafana dashboard
 * (infra/grafana/refinery.json) is checked against these names.
 *
 * Label values are a closed vocabulary (stage, status, route key, task queue, pool, outcome,
 * trainer verb): never run ids, dataset content, user names or secrets.
 */
type Kind = 'counter' | 'gauge' | 'histogram';
export interface MetricSpec<K extends Kind = Kind, L extends string = string> {
  kind: K;
  name: string;
  help: string;
  labels: readonly L[];
  buckets?: number[];
}
const spec = <K extends Kind, L extends string = never>(s: MetricSpec<K, L>) => s;

export const METRICS = {
  runs: spec({ kind: 'gauge', name: 'refinery_runs', help: 'Runs by status, counted in Postgres when scraped (web app)', labels: ['status'] }),
  stageDuration: spec({
    kind: 'histogram',
    name: 'refinery_stage_duration_seconds',
    help: "Wall time of one attempt of a stage's activity, observed by the worker that ran it (outcome: succeeded, failed, cancelled)",
    labels: ['stage', 'outcome'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600],
  }),
  queueWait: spec({
    kind: 'histogram',
    name: 'refinery_activity_queue_wait_seconds',
    help: "Time an activity attempt waited in its task queue: from Temporal's scheduled time to the worker starting it",
    labels: ['task_queue'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
  }),
  apiLatency: spec({
    kind: 'histogram',
    name: 'refinery_api_request_duration_seconds',
    help: 'API request latency by route key ("METHOD /api/v1/path") and HTTP status (web app)',
    labels: ['route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
  redactionRecords: spec({ kind: 'counter', name: 'refinery_redaction_records_total', help: 'Dataset records read by the redact stage', labels: [] }),
  redactionBytes: spec({ kind: 'counter', name: 'refinery_redaction_bytes_total', help: 'Bytes of raw dataset read by the redact stage', labels: [] }),
  trainerTokensPerSecond: spec({
    kind: 'gauge',
    name: 'refinery_trainer_tokens_per_second',
    help: "Real (non-pad) tokens per second of the latest training step on this GPU worker, from the trainer's step event; kept after the job ends (see refinery_trainer_jobs_running)",
    labels: ['pool', 'verb'],
  }),
  trainerJobsRunning: spec({ kind: 'gauge', name: 'refinery_trainer_jobs_running', help: 'Trainer subprocesses running on this GPU worker, by trainer verb', labels: ['pool', 'verb'] }),
} as const;

/**
 * The Temporal SDK's own worker metrics (its Prometheus exporter, appended to each worker's
 * /metrics) that the dashboard uses; the integration test checks a worker really exports them.
 */
export const TEMPORAL_SDK_METRICS = {
  taskSlotsAvailable: 'temporal_worker_task_slots_available',
  taskSlotsUsed: 'temporal_worker_task_slots_used',
  pollLatency: 'temporal_long_request_latency_seconds',
  workflowTaskScheduleToStart: 'temporal_workflow_task_schedule_to_start_latency_seconds',
  activityScheduleToStart: 'temporal_activity_schedule_to_start_latency_seconds',
} as const;

/**
 * Series the dashboard reads from other exporters. The trainer reports no GPU utilisation (its
 * step events carry tokens/s and peak memory), so the GPU panel reads NVIDIA's DCGM exporter,
 * the usual source on Kubernetes GPU nodes (docs/operations.md, Metrics).
 */
export const EXTERNAL_METRICS = {
  gpuUtilization: 'DCGM_FI_DEV_GPU_UTIL',
} as const;

type MetricOf<S> =
  S extends MetricSpec<'counter', infer L> ? Counter<L> : S extends MetricSpec<'gauge', infer L> ? Gauge<L> : S extends MetricSpec<'histogram', infer L> ? Histogram<L> : never;

const REGISTRY = Symbol.for('refinery.metrics.registry');
const g = globalThis as unknown as { [REGISTRY]?: Registry };

/** This process's registry, with Node's process metrics (CPU, memory, event loop lag). */
export function metricsRegistry(): Registry {
  if (!g[REGISTRY]) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    g[REGISTRY] = registry;
  }
  return g[REGISTRY];
}

/**
 * The process's instance of a metric, created on first use. `collect` (gauges only) runs at each
 * scrape, e.g. to count runs in Postgres.
 */
export function metric<S extends MetricSpec>(s: S, o: { collect?: (this: Gauge<string>) => Promise<void> | void } = {}): MetricOf<S> {
  const registry = metricsRegistry();
  const existing = registry.getSingleMetric(s.name);
  if (existing) return existing as unknown as MetricOf<S>;
  const common = { name: s.name, help: s.help, labelNames: [...s.labels], registers: [registry] };
  if (s.kind === 'counter') return new Counter(common) as unknown as MetricOf<S>;
  if (s.kind === 'gauge') return new Gauge({ ...common, ...(o.collect ? { collect: o.collect } : {}) }) as unknown as MetricOf<S>;
  return new Histogram({ ...common, buckets: s.buckets }) as unknown as MetricOf<S>;
}

/** Seconds since a `performance.now()` reading. */
export const secondsSince = (startMs: number) => (performance.now() - startMs) / 1000;

/**
 * Whether a scrape may read metrics: `Authorization: Bearer <REFINERY_METRICS_TOKEN>`, compared
 * in constant time (both sides hashed first, so neither the length nor a prefix leaks).
 */
export function metricsTokenAccepted(expected: string, authorization: string | null | undefined): boolean {
  const given = /^Bearer (.+)$/i.exec(authorization?.trim() ?? '')?.[1] ?? '';
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(expected)) && given.length > 0;
}
