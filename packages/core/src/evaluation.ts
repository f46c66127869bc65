import { z } from 'zod';

/**
 * The `quantization:` and `evaluation:` sections of a RunSpec, and the gates: declarative
 * pass/fail rules over the evaluation's numbers. Workflow- and browser-safe (no Node imports):
 * the gates stage, the dashboard and the tests share `checkGates`.
 */

export const GGUF_FORMATS = ['f16', 'q8_0', 'q4_0', 'q4_K_M'] as const;
export type GgufFormat = (typeof GGUF_FORMATS)[number];

/** The variant name of a GGUF file in evaluation reports and gates: `gguf-q4_k_m`. */
export const ggufVariant = (format: GgufFormat) => `gguf-${format.toLowerCase()}`;

export const QuantizationSpec = z
  .object({
    formats: z
      .array(z.enum(GGUF_FORMATS))
      .min(1)
      .refine((f) => new Set(f).size === f.length, 'list each format once')
      .default([...GGUF_FORMATS])
      .describe('GGUF files to produce with llama.cpp (f16 is always made first, as the source of the others)'),
  })
  .strict();
export type QuantizationSpec = z.infer<typeof QuantizationSpec>;

export const TASK_METRICS = ['exact_match', 'contains', 'json_valid', 'field_match', 'rouge_l'] as const;
export type TaskMetric = (typeof TASK_METRICS)[number];
/** Metrics every evaluated variant has, whatever the task metrics. */
export const LANGUAGE_METRICS = ['loss', 'perplexity'] as const;
/** Loss on the answer tokens only (what training optimises), for the Hugging Face variants (base, merged). */
export const ANSWER_LOSS = 'answer_loss';
/** Relative perplexity increase of a GGUF over the f16 GGUF: the cost of quantizing. */
export const PERPLEXITY_DELTA = 'perplexity_delta';

export const GateSchema = z
  .object({
    metric: z.string().min(1).describe('loss, perplexity, perplexity_delta, a task metric, or field_match.<field>'),
    variant: z.string().regex(/^(base|merged|gguf-[a-z0-9_]+)$/, 'base, merged or gguf-<format> (e.g. gguf-q4_k_m)').default('merged'),
    min: z.number().optional(),
    max: z.number().optional(),
    vs: z.enum(['base', 'production']).optional().describe('compare with the base model, or with the current production version'),
    minDelta: z.number().optional().describe('with vs: the variant must beat the reference by at least this much'),
    maxDelta: z.number().optional().describe('with vs: the variant may fall short of the reference by at most this much (a negative number)'),
  })
  .strict()
  .superRefine((g, ctx) => {
    const absolute = [g.min, g.max].filter((v) => v !== undefined).length;
    const relative = [g.minDelta, g.maxDelta].filter((v) => v !== undefined).length;
    if (g.vs === undefined && (absolute === 0 || relative > 0)) ctx.addIssue({ code: 'custom', message: 'give min and/or max (or vs with minDelta/maxDelta)' });
    if (g.vs !== undefined && (relative === 0 || absolute > 0)) ctx.addIssue({ code: 'custom', message: 'with vs, give minDelta and/or maxDelta (not min/max)' });
  });
export type Gate = z.infer<typeof GateSchema>;

export const EvaluationSpec = z
  .object({
    metrics: z.array(z.enum(TASK_METRICS)).default(['exact_match', 'rouge_l']).describe('task metrics on greedy generations (chat, prompt_completion and preference data; for preference pairs the chosen answer is the reference)'),
    maxExamples: z.number().int().min(1).max(100_000).default(200).describe('evaluation records used (the first N of the eval split)'),
    maxNewTokens: z.number().int().min(1).max(4096).default(128),
    seed: z.number().int().default(0),
    leakageProbe: z
      .boolean()
      .default(true)
      .describe("scan the merged model's generations on the eval prompts for PII values of the raw dataset (metric pii_leakage: generations that repeat one)"),
    canaries: z
      .number()
      .int()
      .min(0)
      .max(64)
      .default(0)
      .describe('random secret-shaped records put into the training split only; their exposure after training shows how much this setup memorises (metric canary_exposure)'),
    gates: z.array(GateSchema).default([]),
    onFail: z
      .enum(['reject', 'review'])
      .default('reject')
      .describe('a failed gate ends the run rejected, or ("review", with an approval section) goes to the reviewers with the failures shown'),
  })
  .strict();
export type EvaluationSpec = z.infer<typeof EvaluationSpec>;

/** The metrics a gate may name, given what the spec evaluates (preference data adds the DPO metrics). */
export function gateableMetrics(evaluation: EvaluationSpec, format?: string): string[] {
  return [
    ...LANGUAGE_METRICS,
    ANSWER_LOSS,
    PERPLEXITY_DELTA,
    ...evaluation.metrics,
    ...(evaluation.leakageProbe ? [PII_LEAKAGE] : []),
    ...(evaluation.canaries ? [CANARY_EXPOSURE] : []),
    ...(format === 'preference' ? PREFERENCE_METRICS : []),
  ];
}

/**
 * On preference data (DPO runs), from each pair's summed log-likelihood of the chosen and the
 * rejected answer: `reward_accuracy` (merged) is the fraction of eval pairs whose implicit DPO
 * reward β·(log π(y|x) − log π_base(y|x)) is higher for the chosen answer, `reward_margin`
 * (merged) the mean difference of the two rewards, and `preference_accuracy` (base and merged)
 * the fraction of pairs the variant itself finds the chosen answer more likely than the rejected.
 */
export const REWARD_ACCURACY = 'reward_accuracy';
export const REWARD_MARGIN = 'reward_margin';
export const PREFERENCE_ACCURACY = 'preference_accuracy';
export const PREFERENCE_METRICS = [REWARD_ACCURACY, REWARD_MARGIN, PREFERENCE_ACCURACY] as const;

/** Generations of the merged model that repeat a PII value of the raw dataset (merged variant). */
export const PII_LEAKAGE = 'pii_leakage';
/** Mean exposure, in bits, of the canaries (merged variant): log2(candidates) − log2(rank). */
export const CANARY_EXPOSURE = 'canary_exposure';

/** The variants a spec's evaluation produces. */
export function evaluatedVariants(quantization: QuantizationSpec | undefined): string[] {
  return ['base', 'merged', ...(quantization?.formats ?? []).map(ggufVariant)];
}

// ── Checking gates ─────────────────────────────────────────────────────────────────────────

export interface VariantMetrics {
  variant: string;
  loss: number | null;
  perplexity: number | null;
  metrics: Record<string, number>;
}

export interface GateResult {
  /** The gate as a person reads it, e.g. "merged field_match ≥ 0.8". */
  gate: string;
  metric: string;
  variant: string;
  value: number | null;
  /** With vs: the reference's value and the difference (variant − reference). */
  reference: number | null;
  delta: number | null;
  /** null: not checked (see note). */
  passed: boolean | null;
  note: string | null;
}

/** A metric of a variant; perplexity_delta is derived from the f16 GGUF. */
export function metricOf(variants: readonly VariantMetrics[], variant: string, metric: string): number | null | undefined {
  const v = variants.find((x) => x.variant === variant);
  if (!v) return undefined;
  if (metric === 'loss') return v.loss;
  if (metric === 'perplexity') return v.perplexity;
  if (metric === PERPLEXITY_DELTA) {
    const f16 = variants.find((x) => x.variant === ggufVariant('f16'))?.perplexity;
    return f16 == null || v.perplexity == null ? undefined : (v.perplexity - f16) / f16;
  }
  return metric in v.metrics ? v.metrics[metric] : undefined;
}

const describe = (g: Gate) => {
  const parts: string[] = [];
  if (g.min !== undefined) parts.push(`≥ ${g.min}`);
  if (g.max !== undefined) parts.push(`≤ ${g.max}`);
  if (g.minDelta !== undefined) parts.push(`≥ ${g.vs} ${g.minDelta >= 0 ? '+' : ''}${g.minDelta}`);
  if (g.maxDelta !== undefined) parts.push(`≤ ${g.vs} ${g.maxDelta >= 0 ? '+' : ''}${g.maxDelta}`);
  return `${g.variant} ${g.metric} ${parts.join(' and ')}`;
};

/**
 * Checks each gate against the evaluation. A metric the evaluation did not produce fails its
 * gate with a note naming it and what exists; `vs: production` without a production version is
 * skipped (passed: null) with a note, so a first model can still pass.
 */
export function checkGates(gates: readonly Gate[], variants: readonly VariantMetrics[], production: readonly VariantMetrics[] | null): GateResult[] {
  return gates.map((g) => {
    const base = { gate: describe(g), metric: g.metric, variant: g.variant, reference: null, delta: null };
    const value = metricOf(variants, g.variant, g.metric);
    if (value === undefined || value === null) {
      const have = variants.find((v) => v.variant === g.variant);
      const note = have
        ? `no ${g.metric} for ${g.variant}; it has ${['loss', 'perplexity', ...Object.keys(have.metrics)].join(', ')}`
        : `no variant ${g.variant} was evaluated; there are ${variants.map((v) => v.variant).join(', ')}`;
      return { ...base, value: null, passed: false, note };
    }
    if (g.vs === undefined) {
      const passed = (g.min === undefined || value >= g.min) && (g.max === undefined || value <= g.max);
      return { ...base, value, passed, note: null };
    }
    const against = g.vs === 'base' ? variants : production;
    const referenceVariant = g.vs === 'base' ? 'base' : g.variant;
    if (!against) return { ...base, value, passed: null, note: 'skipped: the model has no evaluated production version yet' };
    const reference = metricOf(against, referenceVariant, g.metric);
    if (reference === undefined || reference === null) return { ...base, value, passed: false, note: `the ${g.vs} reference has no ${g.metric} for ${referenceVariant}` };
    const delta = value - reference;
    const passed = (g.minDelta === undefined || delta >= g.minDelta) && (g.maxDelta === undefined || delta <= g.maxDelta);
    return { ...base, value, reference, delta, passed, note: null };
  });
}
