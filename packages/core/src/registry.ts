import { z } from 'zod';
import { ErasureMarkSchema } from './erasure';
import { ApprovalReportSchema, ChatFormatSchema, EvaluateReportSchema, GatesReportSchema } from './stage-reports';

/**
 * The model registry's shapes: the `promotion:` RunSpec section, the immutable record of a model
 * version, and what the API returns. Workflow- and browser-safe (zod only).
 */
const slug = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and dashes (e.g. "support-router")');

export const PromotionSpec = z
  .object({
    model: slug.optional().describe("the registry model the run's version goes to (default: the spec's name)"),
    alias: slug.default('staging').describe('the alias moved to the new version (staging, production or your own)'),
  })
  .strict();
export type PromotionSpec = z.infer<typeof PromotionSpec>;

const stored = z.object({ artifactId: z.string(), uri: z.string(), sha256: z.string(), bytes: z.number().int() });

export const ModelVersionRecordSchema = z
  .object({
    runId: z.string(),
    description: z.string().nullable().describe("the spec's description: the intended use"),
    baseModel: z.string().describe('URI of the base model'),
    baseModelLicense: z.string().nullable().describe("the base model's licence, as the run spec states it"),
    hyperparameters: z.record(z.string(), z.unknown()).describe("the spec's training section"),
    data: z.object({
      rawSha256: z.string().nullable(),
      records: z.number().int().nullable(),
      redaction: z.object({ policyHash: z.string(), changed: z.number(), dropped: z.number(), entities: z.record(z.string(), z.number()) }).nullable(),
      trainRecords: z.number().int().nullable(),
      evalRecords: z.number().int().nullable(),
    }),
    adapter: stored.nullable(),
    merged: stored.nullable(),
    ggufs: z.array(stored.extend({ format: z.string() })),
    chatFormat: ChatFormatSchema.nullable().optional().describe("the quantize report's chat template parts (`refinery models pull` writes the Ollama Modelfile's TEMPLATE from them); absent in versions registered before they were recorded"),
    evalReport: stored.nullable(),
    evaluation: EvaluateReportSchema.nullable(),
    gates: GatesReportSchema.nullable(),
    approval: ApprovalReportSchema.nullable(),
  })
  .meta({ id: 'ModelVersionRecord' });
export type ModelVersionRecord = z.infer<typeof ModelVersionRecordSchema>;

export const ModelVersionSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    runId: z.string(),
    createdAt: z.string(),
    aliases: z.array(z.string()),
    record: ModelVersionRecordSchema,
    affected: z.array(ErasureMarkSchema).describe('erasure marks: requests concerning data this version was trained on (empty when none); the record itself never changes'),
  })
  .meta({ id: 'ModelVersion' });
export type ModelVersion = z.infer<typeof ModelVersionSchema>;

export const AliasEventSchema = z
  .object({ alias: z.string(), action: z.enum(['promote', 'rollback']), fromVersion: z.number().int().nullable(), toVersion: z.number().int(), actor: z.string(), at: z.string() })
  .meta({ id: 'AliasEvent' });
export type AliasEvent = z.infer<typeof AliasEventSchema>;

export const ModelSummarySchema = z
  .object({
    project: z.string(),
    name: z.string(),
    latestVersion: z.number().int().nullable(),
    aliases: z.record(z.string(), z.number().int()),
    affectedAliases: z.array(z.string()).describe('aliases pointing at a version with an erasure mark'),
    createdAt: z.string(),
  })
  .meta({ id: 'ModelSummary' });
export type ModelSummary = z.infer<typeof ModelSummarySchema>;

export const ModelDetailSchema = ModelSummarySchema.extend({ versions: z.array(ModelVersionSchema), history: z.array(AliasEventSchema) }).meta({ id: 'ModelDetail' });
export type ModelDetail = z.infer<typeof ModelDetailSchema>;

export const PromoteRequestSchema = z.strictObject({ version: z.number().int().positive() }).meta({ id: 'PromoteRequest' });

export const PromoteReportSchema = z.object({
  model: z.string(),
  version: z.number().int(),
  alias: z.string(),
  moved: z.boolean().describe('false when the alias already pointed at this version (a retried promote moves nothing)'),
  previousVersion: z.number().int().nullable(),
});
export type PromoteReport = z.infer<typeof PromoteReportSchema>;

/** POST .../versions/{version}/generate: one chat turn with the version's GGUF (the playground). */
export const GenerateRequestSchema = z
  .strictObject({
    messages: z
      .array(z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string().min(1).max(8000) }))
      .min(1)
      .max(32)
      .refine((m) => m.at(-1)?.role === 'user', 'the last message must be the user\'s'),
    format: z.string().optional().describe('which GGUF file (e.g. q4_K_M); default: the smallest'),
    maxTokens: z.number().int().min(1).max(512).default(128),
  })
  .meta({ id: 'GenerateRequest' });
export type GenerateRequest = z.infer<typeof GenerateRequestSchema>;
