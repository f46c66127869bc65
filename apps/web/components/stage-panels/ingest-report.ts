import type { IngestReport } from '@refinery/core';

/**
 * Structural check for the ingest stage's metrics. (The zod schema lives in @refinery/core,
 * whose runtime index is server-only; a report missing these fields falls back to raw JSON.)
 */
export function asIngestReport(metrics: Record<string, unknown> | null): IngestReport | null {
  if (!metrics) return null;
  const m = metrics as Partial<IngestReport>;
  const ok =
    typeof m.records === 'number' &&
    typeof m.bytes === 'number' &&
    typeof m.errorCount === 'number' &&
    Array.isArray(m.errors) &&
    typeof m.roleCounts === 'object' &&
    m.roleCounts !== null;
  return ok ? (metrics as unknown as IngestReport) : null;
}
