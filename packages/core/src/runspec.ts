import { z } from 'zod';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { uriSchema } from './uri';
import { DpoSpec, SplitSpec, TrainingSpec } from './training';
import { evaluatedVariants, EvaluationSpec, gateableMetrics, ggufVariant, PERPLEXITY_DELTA, QuantizationSpec } from './evaluation';
import { RedactionPolicySchema } from '@refinery/redaction';
import { ApprovalSpec } from './approval';
import { PromotionSpec } from './registry';

export const DATASET_FORMATS = ['chat', 'prompt_completion', 'text', 'preference'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

const slug = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'use lowercase letters, digits and dashes (e.g. "support-router")');

export const DatasetSpec = z
  .object({
    uri: uriSchema(['file', 's3', 'object']),
    format: z.enum(DATASET_FORMATS),
  })
  .strict();

export const BaseModelSpec = z
  .object({
    uri: uriSchema(['file', 's3', 'object', 'hf']),
    license: z.string().trim().min(1).max(200).optional().describe("the base model's licence (e.g. apache-2.0, llama3.1): on the model card"),
  })
  .strict();

/**
 * Which stages may reuse an earlier run's result (docs/architecture.md, Step caching). The data
 * stages are on when absent; train is opt-in (`train: true`); merge, quantize and evaluate always run.
 */
export const StepCacheSpec = z
  .object({
    ingest: z.boolean().optional().describe('reuse the validation of a dataset with the same content and format (default true)'),
    redact: z.boolean().optional().describe("reuse the redaction of the same data under the same policy and project key (default true)"),
    split: z.boolean().optional().describe('reuse the split of the same data with the same fraction and seed (default true)'),
    train: z
      .boolean()
      .optional()
      .describe("reuse the adapter (and train report) of an earlier run with the same base model content, splits, format, training settings, canary count and trainer code (default false)"),
  })
  .strict();
export type StepCacheSpec = z.infer<typeof StepCacheSpec>;

export const RunSpecObjectSchema = z
  .object({
    apiVersion: z.literal('refinery/v1'),
    kind: z.literal('FineTuneRun'),
    project: slug,
    name: slug,
    description: z.string().max(2000).optional(),
    /** Order among the project's runs waiting for a slot (fair queuing): higher first, then first come. */
    priority: z.number().int().min(0).max(100).optional().describe('0-100, default 50: when the project is at a quota, waiting runs go ahead highest priority first, then in order of arrival'),
    baseModel: BaseModelSpec,
    dataset: DatasetSpec,
    /** PII and secret redaction before anything trains on the data; verified afterwards. */
    redaction: RedactionPolicySchema.optional(),
    /** Held-out evaluation split; defaults apply when training is requested. */
    split: SplitSpec.optional(),
    /** Without it the run prepares data only (ingest, split) and ends. */
    training: TrainingSpec.optional(),
    /** GGUF files of the merged model, made with llama.cpp, for on-device use. */
    quantization: QuantizationSpec.optional(),
    /** Base, merged and every GGUF on the eval split; gates turn the numbers into a verdict. */
    evaluation: EvaluationSpec.optional(),
    /** People other than the submitter approve or reject the run before it ends (and, later, is promoted). */
    approval: ApprovalSpec.optional(),
    /** Register the run's model as a new version of a registry model and move an alias to it. */
    promotion: PromotionSpec.optional(),
    /** Step caching per stage (data stages on by default, train opt-in): `false` makes a stage recompute even when an earlier run's result fits. */
    cache: StepCacheSpec.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.split && !spec.training) ctx.addIssue({ code: 'custom', path: ['split'], message: 'a split is only used by training; add a "training" section or remove "split"' });
    for (const section of ['quantization', 'evaluation'] as const) {
      if (spec[section] && !spec.training) ctx.addIssue({ code: 'custom', path: [section], message: `"${section}" works on the trained model; add a "training" section` });
    }
    if (spec.promotion && !spec.training) ctx.addIssue({ code: 'custom', path: ['promotion'], message: 'promotion registers a trained model; add a "training" section' });
    if (spec.approval && !spec.training) ctx.addIssue({ code: 'custom', path: ['approval'], message: 'approval decides on a trained model; add a "training" section' });
    if (spec.training) {
      const { method } = spec.training;
      const preference = spec.dataset.format === 'preference';
      if (method === 'dpo' && !preference) {
        ctx.addIssue({ code: 'custom', path: ['training', 'method'], message: `dpo learns from preference pairs: set dataset.format to preference ({prompt, chosen, rejected} records), or use method sft for ${spec.dataset.format} data` });
      }
      if (method !== 'dpo' && preference) {
        ctx.addIssue({ code: 'custom', path: ['dataset', 'format'], message: 'preference pairs train with training.method: dpo (sft needs one answer per record: chat or prompt_completion data)' });
      }
      if (spec.training.dpo && method !== 'dpo') ctx.addIssue({ code: 'custom', path: ['training', 'dpo'], message: '"dpo" settings apply to method dpo only: set training.method: dpo, or remove training.dpo' });
      if (method === 'dpo') {
        // The DPO recipe trains a full-precision base on padded pairs: these SFT options are not in it (yet).
        const t = spec.training as Record<string, unknown>;
        for (const [key, used] of [['packing', t.packing === true], ['gradientCheckpointing', t.gradientCheckpointing === true], ['quantizeBase', t.quantizeBase !== undefined]] as const) {
          if (used) ctx.addIssue({ code: 'custom', path: ['training', key], message: `${key} is not supported with method dpo yet; remove it` });
        }
      }
    }
    const evaluation = spec.evaluation;
    if (!evaluation) return;
    if (evaluation.onFail === 'review' && !spec.approval) {
      ctx.addIssue({ code: 'custom', path: ['evaluation', 'onFail'], message: '"review" sends failed gates to the reviewers: add an "approval" section, or use onFail: reject' });
    }
    if (evaluation.canaries && spec.dataset.format === 'text') {
      ctx.addIssue({ code: 'custom', path: ['evaluation', 'canaries'], message: 'canaries need a prompt and a continuation to rank: use chat, prompt_completion or preference data, or set canaries to 0' });
    }
    const variants = evaluatedVariants(spec.quantization);
    const metrics = gateableMetrics(evaluation, spec.dataset.format);
    evaluation.gates.forEach((gate, i) => {
      const path = ['evaluation', 'gates', i];
      if (!variants.includes(gate.variant)) ctx.addIssue({ code: 'custom', path: [...path, 'variant'], message: `"${gate.variant}" is not evaluated by this spec; choose one of ${variants.join(', ')}` });
      const field = /^field_match\.(.+)$/.exec(gate.metric);
      const known = metrics.includes(gate.metric) || (field && evaluation.metrics.includes('field_match'));
      if (!known) ctx.addIssue({ code: 'custom', path: [...path, 'metric'], message: `"${gate.metric}" is not measured by this spec; choose one of ${metrics.join(', ')}${evaluation.metrics.includes('field_match') ? ', field_match.<field>' : ''} (task metrics are listed in evaluation.metrics)` });
      if (gate.metric === PERPLEXITY_DELTA && (!gate.variant.startsWith('gguf-') || !spec.quantization?.formats.includes('f16'))) {
        ctx.addIssue({ code: 'custom', path: [...path, 'metric'], message: `perplexity_delta compares a GGUF with ${ggufVariant('f16')}: use a gguf-* variant and keep f16 in quantization.formats` });
      }
    });
  });

export const RunSpecSchema = RunSpecObjectSchema.transform((spec) => {
  let out = spec.training && !spec.split ? { ...spec, split: SplitSpec.parse({}) } : spec;
  // DPO's settings are written out with their defaults, like every other section's.
  if (out.training?.method === 'dpo' && !out.training.dpo) out = { ...out, training: { ...out.training, dpo: DpoSpec.parse({}) } };
  return out;
});

export type RunSpec = z.infer<typeof RunSpecObjectSchema>;

export interface SpecIssue {
  path: string;
  message: string;
}

export type ParsedSpec = { ok: true; spec: RunSpec } | { ok: false; issues: SpecIssue[] };

export const formatPath = (path: readonly PropertyKey[]): string =>
  path.length === 0 ? '(root)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');

export function zodIssues(error: z.ZodError): SpecIssue[] {
  return error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') {
      return { path: formatPath(i.path), message: `unknown field(s): ${i.keys.join(', ')}` };
    }
    return { path: formatPath(i.path), message: i.message };
  });
}

/** Validate an already-parsed object. */
export function validateRunSpec(input: unknown): ParsedSpec {
  const result = RunSpecSchema.safeParse(input);
  return result.success ? { ok: true, spec: result.data as RunSpec } : { ok: false, issues: zodIssues(result.error) };
}

/** Parse YAML or JSON text (JSON is YAML) and validate it. */
export function parseRunSpecText(text: string): ParsedSpec {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 50 });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      return { ok: false, issues: [{ path: pos ? `line ${pos.line}, column ${pos.col}` : '(document)', message: err.message.split('\n')[0]! }] };
    }
    throw err;
  }
  return validateRunSpec(doc);
}
