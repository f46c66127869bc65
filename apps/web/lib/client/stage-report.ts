import { STAGE_DEFINITIONS, type StageName, type StageReport } from '@refinery/core/workflow-safe';

export type ParsedStageReport<S extends StageName> = { report: StageReport<S> | null; mismatch: string | null };

/**
 * A stage's metrics parsed with its report schema. Metrics that do not match (an older run, a
 * failure's partial details) are not forced into the panel: `mismatch` says why, and the page
 * shows them raw with a warning.
 */
export function parseStageReport<S extends StageName>(stage: S, metrics: Record<string, unknown> | null): ParsedStageReport<S> {
  if (!metrics) return { report: null, mismatch: null };
  const parsed = STAGE_DEFINITIONS[stage].report.safeParse(metrics);
  if (parsed.success) return { report: parsed.data as StageReport<S>, mismatch: null };
  const issue = parsed.error.issues[0];
  return { report: null, mismatch: `${issue?.path.join('.') || '(report)'}: ${issue?.message ?? 'does not match'}` };
}
