import { z } from 'zod';
import { checkUri } from './uri';

/**
 * Erasure requests: what a data subject's request refers to, which runs and registry versions
 * were built from it, and the marks that say a version is affected. Workflow- and browser-safe
 * (zod only); the server does the searching (apps/web/lib/server/erasure-service.ts).
 */

export const ERASURE_REFERENCE_TYPES = ['artifact', 'sha256', 'uri', 'record_hash'] as const;
export type ErasureReferenceType = (typeof ERASURE_REFERENCE_TYPES)[number];

const HEX64 = /^[0-9a-f]{64}$/;
export const ARTIFACT_ID_SHAPE = /^art_[0-9a-z]{9}[0-9a-f]{12}$/;
const ERASURE_URI_SCHEMES = ['file', 's3', 'object'] as const;

export const ErasureReferenceSchema = z
  .strictObject({
    type: z.enum(ERASURE_REFERENCE_TYPES).describe('artifact: an artifact id (art_...); sha256: a dataset or artifact content hash; uri: the dataset.uri a run was submitted with; record_hash: the sha256 of one JSONL record line (see docs/security.md, Erasure requests)'),
    value: z.string().min(1).max(2048),
  })
  .superRefine((ref, ctx) => {
    const problem = referenceProblem(ref.type, ref.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  })
  .meta({ id: 'ErasureReference' });
export type ErasureReference = z.infer<typeof ErasureReferenceSchema>;

function referenceProblem(type: ErasureReferenceType, value: string): string | null {
  if (type === 'artifact') return ARTIFACT_ID_SHAPE.test(value) ? null : `an artifact id looks like art_ followed by 21 letters and digits (got ${JSON.stringify(value)})`;
  if (type === 'sha256' || type === 'record_hash') return HEX64.test(value) ? null : `a ${type === 'sha256' ? 'sha256' : 'record hash'} is 64 lowercase hex digits`;
  return checkUri(value, ERASURE_URI_SCHEMES);
}

/**
 * Parses a reference as typed on the command line: `sha256:<hex>` or bare 64 hex (a dataset or
 * artifact hash), `record:<hex>` (a record's content hash), a URI (file://, s3://, object://), or an
 * artifact id. Throws an Error that says what is accepted.
 */
export function parseErasureReference(text: string): ErasureReference {
  const t = text.trim();
  let ref: { type: ErasureReferenceType; value: string } | null = null;
  if (/^sha256:/i.test(t)) ref = { type: 'sha256', value: t.slice(7).toLowerCase() };
  else if (/^record:/i.test(t)) ref = { type: 'record_hash', value: t.slice(7).toLowerCase() };
  else if (/^[0-9a-fA-F]{64}$/.test(t)) ref = { type: 'sha256', value: t.toLowerCase() };
  else if (/^[a-z0-9]+:\/\//i.test(t)) ref = { type: 'uri', value: t };
  else if (t.startsWith('art_')) ref = { type: 'artifact', value: t };
  if (!ref) throw new Error(`cannot read ${JSON.stringify(text)} as an erasure reference; use sha256:<64 hex> (a dataset), record:<64 hex> (one record's hash: \`refinery erasure hash\`), a URI (file://, s3://, object://) or an artifact id (art_...)`);
  const problem = referenceProblem(ref.type, ref.value);
  if (problem) throw new Error(`${JSON.stringify(text)}: ${problem}`);
  return ref;
}

/** How a reference is written back to people: the same syntax `parseErasureReference` reads. */
export function formatErasureReference(ref: ErasureReference): string {
  return ref.type === 'sha256' ? `sha256:${ref.value}` : ref.type === 'record_hash' ? `record:${ref.value}` : ref.value;
}

/** A version's mark: an erasure request that concerns data the version was trained on. */
export const ErasureMarkSchema = z
  .object({
    reference: z.string().describe('what the request concerns: artifact:<id>, sha256:<hex>, uri:<uri>, or record:hmac:<hex> (a record hash is stored keyed with the project key, never as given)'),
    reason: z.string().nullable(),
    actor: z.string(),
    at: z.string(),
  })
  .meta({ id: 'ErasureMark' });
export type ErasureMark = z.infer<typeof ErasureMarkSchema>;

export const ErasureImpactRequestSchema = z.strictObject({ project: z.string().min(1), reference: ErasureReferenceSchema }).meta({ id: 'ErasureImpactRequest' });
export type ErasureImpactRequest = z.infer<typeof ErasureImpactRequestSchema>;

export const ErasureMarkRequestSchema = ErasureImpactRequestSchema.extend({
  reason: z.string().trim().min(1, 'say why (e.g. a ticket number; not the person\'s details: project members see it)').max(500),
}).meta({ id: 'ErasureMarkRequest' });
export type ErasureMarkRequest = z.infer<typeof ErasureMarkRequestSchema>;

export const ErasureImpactSchema = z
  .object({
    reference: ErasureReferenceSchema,
    matched: z.boolean().describe('false when the reference matches no dataset or artifact of the project'),
    message: z.string().describe('one line saying what was found'),
    datasets: z.array(
      z.object({
        artifactId: z.string(),
        runId: z.string(),
        kind: z.string(),
        sha256: z.string(),
        source: z.string().nullable().describe("the dataset.uri the run was submitted with (raw datasets)"),
        lines: z.array(z.number().int()).optional().describe('record_hash only: the 1-based lines holding the record (at most 100 listed)'),
        occurrences: z.number().int().optional().describe('record_hash only: how many lines hold the record'),
      }),
    ),
    scan: z
      .object({
        datasets: z.number().int(),
        bytes: z.number().int(),
        lines: z.number().int(),
        seconds: z.number(),
        unreadable: z.array(z.string()).describe('sha256 of raw datasets missing from the object store (not searched)'),
      })
      .nullable()
      .describe('record_hash only: what was read to find the record (every raw dataset of the project, streamed)'),
    runs: z.array(z.object({ id: z.string(), name: z.string(), status: z.string(), createdAt: z.string() })),
    versions: z.array(
      z.object({
        model: z.string(),
        version: z.number().int(),
        versionId: z.string(),
        runId: z.string(),
        aliases: z.array(z.string()),
        affected: z.array(ErasureMarkSchema).describe('marks already on the version (any reference)'),
      }),
    ),
    productionAffected: z.boolean().describe('true when a `production` alias points at one of the versions'),
  })
  .meta({ id: 'ErasureImpact' });
export type ErasureImpact = z.infer<typeof ErasureImpactSchema>;

export const ErasureMarkResultSchema = z
  .object({
    reference: z.string().describe('the reference as stored on the marks'),
    marks: z.array(z.object({ model: z.string(), version: z.number().int(), created: z.boolean().describe('false when this version already carried this reference (marking is idempotent)') })),
    impact: ErasureImpactSchema,
  })
  .meta({ id: 'ErasureMarkResult' });
export type ErasureMarkResult = z.infer<typeof ErasureMarkResultSchema>;
