import { z } from 'zod';
import type { RedactionReport, SecondOpinionResult, VerificationResult } from '@refinery/redaction';
import { IngestReportSchema } from './ingest-report';

/**
 * What each stage reports when it finishes: stored as the stage execution's metrics, returned
 * by the API (named in the OpenAPI document) and parsed by the dashboard's panels. Workflow-
 * and browser-safe: zod only (type-only imports are erased).
 */
export * from './ingest-report';

const counts = z.record(z.string(), z.number());

export const RedactReportSchema = z.object({
  reportVersion: z.literal(1),
  format: z.string(),
  policyHash: z.string(),
  detectorVersions: z.record(z.string(), z.string()),
  records: z.object({ read: z.number(), written: z.number(), changed: z.number(), dropped: z.number() }),
  entities: z.array(z.object({ type: z.string(), action: z.string(), field: z.string(), count: z.number() })),
  totalsByType: counts,
  droppedByType: counts,
  verification: z.object({
    clean: z.boolean(),
    recordsScanned: z.number(),
    residualCount: z.number(),
    residuals: z.array(z.object({ line: z.number(), type: z.string(), field: z.string() })),
    residualsTruncated: z.boolean(),
    residualsByType: counts,
  }),
  secondOpinion: z
    .object({
      method: z.string(),
      onSuspicion: z.enum(['review', 'fail']),
      recordsScanned: z.number(),
      suspicionCount: z.number(),
      suspicions: z.array(z.object({ line: z.number(), type: z.string(), field: z.string() })),
      suspicionsTruncated: z.boolean(),
      suspicionsByType: counts,
    })
    .optional()
    .describe('a check built without the detectors (dataset capitalisation statistics, shapes) for PII left in the output; types and line numbers only; absent when the policy turns it off'),
});
export type RedactReport = z.infer<typeof RedactReportSchema>;

export const SplitReportSchema = z.object({
  trainRecords: z.number().int(),
  evalRecords: z.number().int(),
  eval: z.number().describe('fraction of records held out for evaluation'),
  seed: z.number().int(),
});
export type SplitReport = z.infer<typeof SplitReportSchema>;

export const TrainReportSchema = z.object({
  steps: z.number().int(),
  totalSteps: z.number().int(),
  trainLoss: z.number().nullable(),
  evalLoss: z.number().nullable(),
  baseEvalLoss: z.number().nullable().describe('eval loss of the base model before training'),
  resumedFromStep: z.number().int().nullable(),
  attempt: z.number().int().describe('the activity attempt that finished the training'),
  device: z.string(),
  trainSeconds: z.number().nullable(),
  // Packing, precision and memory (issue 15); absent on reports written before them. Whole-run figures:
  // the per-step padding fraction, real tokens/s and peak memory are in training_metrics (GET /runs/{id}/metrics).
  packing: z.boolean().optional().describe('several records per sequence, each attending only to itself'),
  trainRows: z.number().int().nullable().optional().describe('training sequences per epoch (packed rows, or records when not packed)'),
  precision: z.string().nullable().optional().describe('bf16-autocast on CUDA with bf16, else float32'),
  microBatchSize: z.number().int().nullable().optional().describe('rows per forward pass (the CUDA batch probe may change it; the optimizer step keeps batchSize × gradAccum rows)'),
  microBatchesPerStep: z.number().int().nullable().optional(),
  gradientCheckpointing: z.boolean().optional(),
  quantizeBase: z.string().nullable().optional().describe('nf4: QLoRA, the base in 4-bit'),
  realTokens: z.number().int().nullable().optional().describe('non-padding tokens trained on'),
  paddingFraction: z.number().nullable().optional().describe('share of the batches that was padding'),
  realTokensPerSecond: z.number().nullable().optional().describe('non-padding tokens per second of step time (evals and checkpoints excluded)'),
  peakMemoryBytes: z.number().int().nullable().optional().describe('highest per-step peak: CUDA max_memory_allocated, or the CPU process RSS high-water mark'),
  method: z.enum(['sft', 'dpo']).optional().describe('the training method; absent on reports written before DPO (sft)'),
  preference: z
    .object({
      beta: z.number(),
      rewardAccuracy: z.number().nullable().describe('eval split after training: fraction of pairs whose implicit reward ranks the chosen answer above the rejected'),
      rewardMargin: z.number().nullable().describe('eval split after training: mean chosen − rejected reward'),
      trainRewardAccuracy: z.number().nullable().describe('mean over the last ≤10 training steps'),
      trainRewardMargin: z.number().nullable().describe('mean over the last ≤10 training steps'),
      evals: z
        .array(z.object({ step: z.number().int(), loss: z.number().nullable(), rewardAccuracy: z.number().nullable(), rewardMargin: z.number().nullable() }))
        .describe('every eval (step 0: the base, where both rewards are 0); the same values as the eval points of GET /runs/{id}/metrics'),
    })
    .nullable()
    .optional()
    .describe('DPO runs: reward accuracies and margins (the implicit reward β·log(π/π_base) of the chosen vs the rejected answer)'),
});
export type TrainReport = z.infer<typeof TrainReportSchema>;

export const MergeReportSchema = z.object({
  parameters: z.number().int(),
  dtype: z.string(),
  bytes: z.number().int().describe('size of the merged safetensors model'),
  tokenizerFiles: z.array(z.string()).describe("the base's tokenizer files, copied byte for byte"),
  seconds: z.number(),
});
export type MergeReport = z.infer<typeof MergeReportSchema>;

const turnParts = z.object({ prefix: z.string(), suffix: z.string() });

/**
 * The model's chat template as per-role strings (the trainer's `chat_format`, derived from the
 * Hugging Face template and checked to rebuild its prompts): prompt = bos + per message prefix +
 * content + suffix, then the generation prompt. `refinery models pull` writes Ollama's Go
 * template from it. A template fixed parts cannot express is recorded with the reason.
 */
export const ChatFormatSchema = z
  .discriminatedUnion('supported', [
    z.object({
      supported: z.literal(true),
      bos: z.string().describe("the template's literal BOS text at the start of every prompt (\"\" if none)"),
      addBosToken: z.boolean().describe('llama.cpp adds the BOS token itself when tokenizing a prompt (so a template must not write it again)'),
      system: turnParts.extend({
        placement: z.enum(['turn', 'first_user']).describe('turn: a turn of its own; first_user: a leading system message goes inside the next user message, after its prefix'),
      }),
      user: turnParts,
      assistant: turnParts,
      generationPrompt: z.string(),
      defaultSystem: z.string().nullable().describe('the system text the template inserts when a conversation has none'),
      eosToken: z.string().nullable(),
    }),
    z.object({ supported: z.literal(false), reason: z.string() }),
  ])
  .meta({ id: 'ChatFormat' });
export type ChatFormat = z.infer<typeof ChatFormatSchema>;

export const QuantizeReportSchema = z.object({
  llamaCpp: z.object({ commit: z.string() }).describe('the llama.cpp source that converted and quantized (the one node-llama-cpp loads)'),
  files: z.array(
    z.object({
      format: z.string(),
      variant: z.string(),
      uri: z.string(),
      sha256: z.string(),
      bytes: z.number().int(),
      seconds: z.number(),
      sample: z.string().describe('what node-llama-cpp generated from a fixed prompt after loading the file (greedy, 16 tokens)'),
    }),
  ),
  tokenizerParity: z.boolean().describe('the GGUF tokenizer gives the same token ids as the Hugging Face tokenizer on a fixed text'),
  chatTemplateParity: z
    .object({
      chatWrapper: z.string().describe("node-llama-cpp's chat wrapper for the files"),
      tokens: z.number().int().describe('tokens of the prompt as Hugging Face (and llama.cpp, on the whole string) tokenize it'),
      sameTokens: z.string().nullable().describe('null when node-llama-cpp, which tokenizes the prompt piece by piece, gives the same ids; else where they part'),
      nodeLlamaCppTokens: z.number().int(),
    })
    .optional()
    .describe("node-llama-cpp's chat prompt for a fixed system + user turn, built from the GGUF's template, is the Hugging Face template's prompt, character for character (checked for every file)"),
  architecture: z.string().optional().describe('general.architecture of the GGUF files (llama.cpp\'s name: Mistral models are "llama")'),
  chatFormat: ChatFormatSchema.optional().describe('the chat template as per-role strings, for apps that cannot run Jinja (Ollama); absent in runs quantized before it was recorded'),
  seconds: z.number(),
});
export type QuantizeReport = z.infer<typeof QuantizeReportSchema>;

export const EvaluateReportSchema = z.object({
  examples: z.number().int(),
  variants: z.array(
    z.object({
      variant: z.string().describe('base, merged or gguf-<format>'),
      loss: z.number().nullable(),
      perplexity: z.number().nullable(),
      metrics: z.record(z.string(), z.number()),
      bytes: z.number().int().nullable().describe('model file size (GGUF variants)'),
      seconds: z.number(),
      examplesPerSecond: z.number().nullable(),
    }),
  ),
  samples: z
    .array(z.object({ index: z.number().int(), prompt: z.string(), reference: z.string(), outputs: z.record(z.string(), z.string()) }))
    .describe('the first eval examples; PII the redaction engine finds in prompts, references and generated text is masked as [TYPE]'),
  leakage: z
    .object({
      prompts: z.number().int(),
      rawValues: z.number().int().describe('distinct PII values the redaction engine finds in the raw dataset'),
      leakingGenerations: z.number().int(),
      byType: z.record(z.string(), z.number()),
      examples: z.array(z.number().int()).describe('indexes of the eval prompts whose generation leaked (values are never stored)'),
    })
    .nullable(),
  canaries: z
    .object({
      count: z.number().int(),
      candidates: z.number().int().describe('random candidates of the same shape each canary is ranked among'),
      exposures: z.array(z.number()),
      meanExposure: z.number(),
      maxExposure: z.number().describe('log2(candidates): a canary ranked first'),
      seededByRunId: z
        .string()
        .optional()
        .describe("the run whose id the canaries derive from: the run that trained the adapter (another run's when train reused its adapter; absent on reports before step caching of train)"),
    })
    .nullable(),
});
export type EvaluateReport = z.infer<typeof EvaluateReportSchema>;

export const GatesReportSchema = z.object({
  passed: z.boolean(),
  onFail: z.enum(['reject', 'review']),
  results: z.array(
    z.object({
      gate: z.string(),
      metric: z.string(),
      variant: z.string(),
      value: z.number().nullable(),
      reference: z.number().nullable(),
      delta: z.number().nullable(),
      passed: z.boolean().nullable().describe('null: not checked (see note)'),
      note: z.string().nullable(),
    }),
  ),
});
export type GatesReport = z.infer<typeof GatesReportSchema>;

export const APPROVAL_OUTCOMES = ['awaiting', 'approved', 'rejected', 'expired'] as const;

export const ApprovalReportSchema = z.object({
  outcome: z.enum(APPROVAL_OUTCOMES).describe('awaiting while the run waits; then the decision, or expired at the timeout'),
  required: z.number().int().describe('approvals needed, from distinct reviewers other than the submitter'),
  submittedBy: z.string(),
  requestedAt: z.string(),
  expiresAt: z.string(),
  evidenceSha256: z.string().describe('sha256 of the evaluation report and gate results put in front of the reviewers (canonical JSON)'),
  gateFailures: z.array(z.string()).describe('failed gates (onFail: review) the reviewers must weigh'),
  decisions: z.array(
    z.object({
      decision: z.enum(['approve', 'reject']),
      actor: z.string(),
      comment: z.string(),
      at: z.string(),
      evidenceSha256: z.string().describe('the evidence this reviewer was shown'),
    }),
  ),
});
export type ApprovalReport = z.infer<typeof ApprovalReportSchema>;

// The redaction package owns the report's TypeScript types; this fails to compile if they drift apart.
type RedactionStageReport = RedactionReport & { verification: VerificationResult; secondOpinion?: SecondOpinionResult };
const _redactReportMatches = (r: RedactionStageReport): RedactReport => r;
void _redactReportMatches;
