import type { z } from 'zod';
import { PromoteReportSchema } from './registry';
import { ApprovalReportSchema, EvaluateReportSchema, GatesReportSchema, IngestReportSchema, MergeReportSchema, QuantizeReportSchema, RedactReportSchema, SplitReportSchema, TrainReportSchema } from './stage-reports';

/**
 * The one definition of every pipeline stage. The workflow takes each stage's activity options
 * from here; the RunSpec's planned-section rejection, the spec view's section order, artifact and
 * lineage stage names, the dashboard's panel registry, the CLI's stage lines and the OpenAPI
 * document all derive from it. Workflow- and browser-safe (no Node imports).
 *
 * Adding a stage: see "Adding a stage" in docs/architecture.md.
 */

/** Activity options as plain data (the values match Temporal's ActivityOptions). */
export interface StageActivityOptions {
  startToCloseTimeout: string;
  /** Without one, a dead worker is only noticed at startToCloseTimeout. */
  heartbeatTimeout?: string;
  retry: { initialInterval?: string; maximumInterval?: string; maximumAttempts: number; nonRetryableErrorTypes?: readonly string[] };
  /** WAIT_CANCELLATION_COMPLETED: the run is marked cancelled only once the work really stopped. */
  cancellationType?: 'TRY_CANCEL' | 'WAIT_CANCELLATION_COMPLETED' | 'ABANDON';
}

export interface StageDefinition {
  title: string;
  /** One line for humans: dashboard tooltips, CLI help, OpenAPI descriptions. */
  summary: string;
  /** The RunSpec section that configures the stage (and, except for ingest, turns it on). */
  section: string;
  /** `pipeline`: the CPU pipeline queue; `gpu`: the `refinery-gpu-<pool>` queue of the spec's pool. */
  queue: 'pipeline' | 'gpu';
  /** The activity the workflow calls. */
  activity: string;
  /** GPU stages: the trainer verb (`python -m refinery_trainer <verb>`) the job runner starts. */
  trainerVerb?: string;
  options: StageActivityOptions;
  report: z.ZodType;
  /**
   * Stages with step caching (docs/architecture.md, Step caching): the version of the stage's code
   * in its cache key. Bump it whenever a change makes the stage's output or report differ for the
   * same inputs, so no run reuses a result the new code would not produce.
   */
  cacheVersion?: number;
  /** Cached only when the RunSpec asks (`cache: { <stage>: true }`); the others are cached unless it says `false`. */
  cacheOptIn?: boolean;
}

/** GPU jobs after training: bounded, cancellable, a dead worker noticed within a minute. */
const GPU_JOB_OPTIONS = {
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '60 seconds',
  cancellationType: 'WAIT_CANCELLATION_COMPLETED',
} as const;

const DATA_STAGE_OPTIONS = {
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '30 seconds',
} as const;

/**
 * Data stages retry across an outage of the object store or Postgres of half a minute (retries
 * after 2, 4, 8 and 16 s): with Temporal's default 1 s start and 3 attempts, a 10 s S3 restart
 * failed the run (the fault matrix, test/faults/fault-matrix.test.ts).
 */
const DATA_STAGE_RETRY = { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 5 } as const;

export const STAGE_DEFINITIONS = {
  ingest: {
    title: 'Ingest',
    summary: 'Fetch the dataset into the object store (sha256-addressed) and validate every line',
    section: 'dataset',
    queue: 'pipeline',
    activity: 'ingestDataset',
    cacheVersion: 1,
    options: { ...DATA_STAGE_OPTIONS, retry: { ...DATA_STAGE_RETRY, nonRetryableErrorTypes: ['DatasetInvalid', 'SourceRejected'] } },
    report: IngestReportSchema,
  },
  redact: {
    title: 'Redact',
    summary: 'Redact PII and secrets by policy, then verify the output holds none',
    section: 'redaction',
    queue: 'pipeline',
    activity: 'redactDataset',
    cacheVersion: 1,
    options: { ...DATA_STAGE_OPTIONS, retry: { ...DATA_STAGE_RETRY, nonRetryableErrorTypes: ['RedactionVerificationFailed', 'RedactionInputRejected'] } },
    report: RedactReportSchema,
  },
  split: {
    title: 'Split',
    summary: 'Hold out a deterministic evaluation split',
    section: 'split',
    queue: 'pipeline',
    activity: 'splitDataset',
    cacheVersion: 1,
    options: { ...DATA_STAGE_OPTIONS, retry: { ...DATA_STAGE_RETRY, nonRetryableErrorTypes: ['SplitEmpty'] } },
    report: SplitReportSchema,
  },
  train: {
    title: 'Train',
    summary: 'Train a LoRA adapter on a GPU worker, resuming from its last checkpoint on retry',
    section: 'training',
    queue: 'gpu',
    activity: 'trainLora',
    trainerVerb: 'train',
    // Opt-in (`cache: { train: true }`). The key also holds a fingerprint of the trainer's code and
    // pinned requirements (workers/gpu/src/train-cache.ts), so a trainer change never reuses an
    // adapter; bump this when the worker side changes what train produces for the same inputs.
    cacheVersion: 1,
    cacheOptIn: true,
    // A short heartbeat timeout notices a dead worker quickly; the retry resumes from the checkpoint
    // named in the last heartbeat.
    options: {
      startToCloseTimeout: '24 hours',
      heartbeatTimeout: '20 seconds',
      cancellationType: 'WAIT_CANCELLATION_COMPLETED',
      retry: { initialInterval: '2 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['TrainerInvalidInput'] },
    },
    report: TrainReportSchema,
  },
  merge: {
    title: 'Merge',
    summary: 'Merge the adapter into the base model (safetensors, with the base tokenizer files)',
    // Runs whenever a later stage needs the merged model: with quantization or evaluation.
    section: 'quantization',
    queue: 'gpu',
    activity: 'mergeAdapter',
    trainerVerb: 'merge',
    options: { ...GPU_JOB_OPTIONS, retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: ['TrainerInvalidInput'] } },
    report: MergeReportSchema,
  },
  quantize: {
    title: 'Quantize',
    summary: "Convert the merged model to GGUF files with llama.cpp's own converter and quantizer",
    section: 'quantization',
    queue: 'gpu',
    activity: 'quantizeModel',
    trainerVerb: 'quantize',
    options: { ...GPU_JOB_OPTIONS, retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: ['TrainerInvalidInput'] } },
    report: QuantizeReportSchema,
  },
  evaluate: {
    title: 'Evaluate',
    summary: 'Measure base, merged and every GGUF on the held-out split: loss, perplexity, task metrics',
    section: 'evaluation',
    queue: 'gpu',
    activity: 'evaluateModels',
    trainerVerb: 'evaluate',
    options: { ...GPU_JOB_OPTIONS, retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: ['TrainerInvalidInput'] } },
    report: EvaluateReportSchema,
  },
  gates: {
    title: 'Gates',
    summary: "Check the spec's gates against the evaluation; a failed gate ends the run rejected",
    section: 'evaluation',
    queue: 'pipeline',
    activity: 'checkRunGates',
    options: { startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 5 } },
    report: GatesReportSchema,
  },
  approval: {
    title: 'Approval',
    summary: 'Wait durably for reviewers other than the submitter to approve or reject, with the evaluation in front of them',
    section: 'approval',
    queue: 'pipeline',
    // The wait itself is workflow code (an update and a timer); the activity records the outcome.
    activity: 'recordApproval',
    options: { startToCloseTimeout: '1 minute', retry: { maximumAttempts: 20 } },
    report: ApprovalReportSchema,
  },
  promote: {
    title: 'Promote',
    summary: "Register the run's model as a new registry version and move the spec's alias to it",
    section: 'promotion',
    queue: 'pipeline',
    activity: 'promoteModel',
    // Idempotent: a retry finds the version and the alias move its first attempt made.
    options: { startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 20, nonRetryableErrorTypes: ['PromotionInvalid'] } },
    report: PromoteReportSchema,
  },
} as const satisfies Record<string, StageDefinition>;

export type StageName = keyof typeof STAGE_DEFINITIONS;
/** Pipeline order. */
export const STAGES = Object.keys(STAGE_DEFINITIONS) as StageName[];
export type StageReport<S extends StageName> = z.infer<(typeof STAGE_DEFINITIONS)[S]['report']>;

/** The RunSpec's top-level fields in the order people read them: identity, inputs, then stages in pipeline order. */
export const SPEC_SECTION_ORDER: readonly string[] = [
  'apiVersion',
  'kind',
  'project',
  'name',
  'description',
  'baseModel',
  ...new Set(STAGES.map((s) => STAGE_DEFINITIONS[s].section)),
  'cache',
];

/** The stages whose results a later run can reuse (RunSpec `cache`: on by default, except the opt-in ones: train). */
export const CACHEABLE_STAGES = STAGES.filter((s) => (STAGE_DEFINITIONS[s] as StageDefinition).cacheVersion !== undefined);

/** Whether a RunSpec's `cache` section turns step caching on for `stage` (opt-in stages need `true`). */
export function stepCacheEnabled(cache: Partial<Record<string, boolean>> | undefined, stage: StageName): boolean {
  const def: StageDefinition = STAGE_DEFINITIONS[stage];
  if (def.cacheVersion === undefined) return false;
  return def.cacheOptIn ? cache?.[stage] === true : cache?.[stage] !== false;
}

/** GPU stages and the trainer verbs they run (the trainer's --help must list each). */
export const TRAINER_VERBS: Partial<Record<StageName, string>> = Object.fromEntries(
  STAGES.flatMap((s) => {
    const def: StageDefinition = STAGE_DEFINITIONS[s];
    return def.trainerVerb ? [[s, def.trainerVerb]] : [];
  }),
);

export type ParsedStageReport<S extends StageName> = { report: StageReport<S> | null; mismatch: string | null };

/**
 * A stage's metrics parsed with its report schema. Metrics that do not match (an older run, a
 * failure's partial details) are not forced into shape: `mismatch` says why, and the dashboard
 * and CLI show them raw instead.
 */
export function parseStageReport<S extends StageName>(stage: S, metrics: unknown): ParsedStageReport<S> {
  if (metrics === null || metrics === undefined) return { report: null, mismatch: null };
  const parsed = STAGE_DEFINITIONS[stage].report.safeParse(metrics);
  if (parsed.success) return { report: parsed.data as StageReport<S>, mismatch: null };
  const issue = parsed.error.issues[0];
  return { report: null, mismatch: `${issue?.path.join('.') || '(report)'}: ${issue?.message ?? 'does not match'}` };
}
