import { z } from 'zod';
import { RUN_STATUSES, STAGE_STATUSES } from './status';
import { RunQueueSchema } from './quotas';
import { STAGES, type StageName } from './stages';
import { StageUsageSchema, UsageTotalsSchema } from './usage';

/** Shapes of the REST API's responses (also the source of the OpenAPI document). */

export const ApiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

export const StageExecutionSchema = z.object({
  stage: z.enum(STAGES as [StageName, ...StageName[]]),
  attempt: z.number().int().describe('1, then 2, 3, ... for each retry of the stage'),
  status: z.enum(STAGE_STATUSES),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  error: z.string().nullable(),
  /** The stage's report (its schema is STAGE_DEFINITIONS[stage].report), or a failure's details. */
  metrics: z.record(z.string(), z.unknown()).nullable(),
  /** What the attempt used and cost (null: nothing recorded yet, or its worker died first). */
  usage: StageUsageSchema.nullable(),
  reusedFromRunId: z.string().nullable().describe('step caching: the run whose result this attempt reused instead of recomputing (null: computed here)'),
});
export type StageExecution = z.infer<typeof StageExecutionSchema>;

export const ArtifactSchema = z.object({
  id: z.string(),
  kind: z.string(),
  uri: z.string(),
  sha256: z.string(),
  bytes: z.number(),
  mediaType: z.string(),
  producedByStage: z.enum(STAGES as [StageName, ...StageName[]]),
  createdAt: z.string(),
});
export type Artifact = z.infer<typeof ArtifactSchema>;

export const RunSummarySchema = z.object({
  id: z.string(),
  project: z.string(),
  name: z.string(),
  /** Who submitted it: `user:<id>` or `token:<id>` (null for runs from before accounts existed). */
  submittedBy: z.string().nullable(),
  status: z.enum(RUN_STATUSES),
  currentStage: z.enum(STAGES as [StageName, ...StageName[]]).nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Set while the run waits `queued` for a project quota slot (fair queuing): its place in line and why. */
  queue: RunQueueSchema.nullable(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const RunDetailSchema = RunSummarySchema.extend({
  traceId: z.string().nullable().describe('W3C trace id of the API request that submitted the run (null when tracing was off): its trace holds the workflow, every stage and the trainer'),
  traceUrl: z.string().nullable().describe("the trace in the tracing UI, from the server's REFINERY_TRACE_URL_TEMPLATE (null when unset or no trace id)"),
  spec: z.record(z.string(), z.unknown()),
  stages: z.array(StageExecutionSchema),
  artifacts: z.array(ArtifactSchema),
  usage: UsageTotalsSchema.describe("the run's usage and cost: the sum of its stage attempts'"),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

export const RunListSchema = z.object({ runs: z.array(RunSummarySchema), nextCursor: z.string().nullable() });
export type RunList = z.infer<typeof RunListSchema>;

export const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({
    postgres: z.object({ ok: z.boolean(), detail: z.string() }),
    temporal: z.object({ ok: z.boolean(), detail: z.string() }),
    workers: z.object({ ok: z.boolean(), detail: z.string(), queues: z.record(z.string(), z.number()) }),
  }),
});
export type Health = z.infer<typeof HealthSchema>;
/**
 * `?probe=live` (Kubernetes liveness): the process answers, no dependency touched. `?probe=ready`
 * (readiness) answers a Health whose status counts only Postgres and Temporal, not the workers.
 */
export const HEALTH_PROBES = ['live', 'ready'] as const;
export const LivenessSchema = z.object({ status: z.literal('ok'), probe: z.literal('live') });

export const UploadResultSchema = z.object({ uri: z.string(), sha256: z.string(), bytes: z.number() });

export const MetricPointSchema = z.object({
  kind: z.enum(['train', 'eval']),
  step: z.number().int(),
  epoch: z.number().nullable(),
  loss: z.number().nullable(),
  learningRate: z.number().nullable(),
  tokensPerSecond: z.number().nullable().describe("train points: real-token throughput, the step's non-padding tokens per second of its wall time"),
  etaSeconds: z.number().nullable(),
  totalSteps: z.number().int().nullable(),
  // Issue 15: null where the trainer does not report them (the other method, runs from before them).
  paddingFraction: z.number().nullable().describe("SFT train points: pad positions / all positions of the step's batches (0..1)"),
  peakMemoryBytes: z.number().nullable().describe("SFT train points: the step's peak memory (CUDA: max allocated; CPU: the process's RSS high-water mark)"),
  rewardAccuracy: z.number().nullable().describe('DPO train and eval points: fraction of pairs whose chosen answer gets the higher implicit reward (chance 0.5)'),
  rewardMargin: z.number().nullable().describe('DPO train and eval points: mean chosen − rejected implicit reward (units of β)'),
  at: z.string(),
});
export type MetricPoint = z.infer<typeof MetricPointSchema>;
export const MetricsResponseSchema = z.object({ points: z.array(MetricPointSchema) });

/** POST /api/v1/runs/{id}/approval: the decider is the caller; their role comes from the server. */
export const DecisionRequestSchema = z
  .strictObject({
    decision: z.enum(['approve', 'reject']),
    comment: z.string().trim().min(1, 'say why').max(4000),
    evidenceSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .describe("the approval report's evidenceSha256 the decider was shown; the current evidence when absent"),
  })
  .meta({ id: 'DecisionRequest' });
export type DecisionRequest = z.infer<typeof DecisionRequestSchema>;
