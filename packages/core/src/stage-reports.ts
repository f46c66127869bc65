import { z } from 'zod';
import type { RedactionReport, VerificationResult } from '@refinery/redaction';
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
});
export type TrainReport = z.infer<typeof TrainReportSchema>;

// The redaction package owns the report's TypeScript types; this fails to compile if they drift apart.
type RedactionStageReport = RedactionReport & { verification: VerificationResult };
const _redactReportMatches = (r: RedactionStageReport): RedactReport => r;
void _redactReportMatches;
