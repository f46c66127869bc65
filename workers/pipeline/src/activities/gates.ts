import { checkGates, type EvaluateReport, type EvaluationSpec, type GatesReport } from '@refinery/core';
import { audit } from '@refinery/db';
import type { PipelineDeps } from './deps';

export interface GatesInput {
  runId: string;
  evaluation: EvaluationSpec;
  evaluated: EvaluateReport;
}

export interface GatesResult {
  report: GatesReport;
}

/**
 * The spec's gates against the evaluation. `vs: production` gates compare with the model's
 * production version once the registry exists; until then there is none and they are skipped
 * with a note. The verdict is audited; the workflow ends the run `rejected` when it failed.
 */
export function gatesActivities(deps: PipelineDeps) {
  return {
    async checkRunGates(input: GatesInput): Promise<GatesResult> {
      const results = checkGates(input.evaluation.gates, input.evaluated.variants, null);
      const report: GatesReport = { passed: results.every((r) => r.passed !== false), onFail: input.evaluation.onFail, results };
      await audit(deps.db, {
        actor: `workflow:${input.runId}`,
        action: report.passed ? 'gates.passed' : 'gates.failed',
        subjectType: 'run',
        subjectId: input.runId,
        data: { failed: results.filter((r) => r.passed === false).map((r) => r.gate) },
      });
      return { report };
    },
  };
}
