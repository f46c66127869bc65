import { z } from 'zod';

/**
 * What the ingest stage found; shown on the run page and stored as stage metrics.
 * A LineError's `line` is 1-based; 0 means the error is about the whole file (field "(file)",
 * e.g. "dataset is empty").
 */
export const LineErrorSchema = z.object({ line: z.number().int(), field: z.string(), reason: z.string() });
export type LineError = z.infer<typeof LineErrorSchema>;

export const IngestReportSchema = z.object({
  format: z.string(),
  sha256: z.string(),
  bytes: z.number(),
  records: z.number(),
  characters: z.number(),
  estimatedTokens: z.number(),
  roleCounts: z.record(z.string(), z.number()),
  longestRecord: z.object({ line: z.number(), characters: z.number() }).nullable(),
  errorCount: z.number(),
  errorsByReason: z.record(z.string(), z.number()),
  errors: z.array(LineErrorSchema),
  errorsTruncated: z.boolean(),
});
export type IngestReport = z.infer<typeof IngestReportSchema>;
