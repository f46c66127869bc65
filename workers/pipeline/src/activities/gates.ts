import { checkGates, type EvaluateReport, type EvaluationSpec, type GatesReport } from '@refinery/core';
import { aliasRecord, audit } from '@refinery/db';
import type { PipelineDeps } from './deps';

export interface GatesInput {
  runId: string;
  evaluation: EvaluationSpec;
  evaluated: EvaluateReport;
  /** The registry model the run's version would join: `vs: production` gates compare with its production version. */
  model: { project: string; name: string };
}

export interface GatesResult {
  report: GatesReport;
}

/**
 * The spec's gates against the evaluation. `vs: production` gates compare with the evaluation
 * recorded on the version the model's `production` alias points at; without one (a first model,
 * or a production version that was not evaluated) they are skipped with a note. The verdict is
 * audited; the workflow ends the run `rejected` when it failed (or, with onFail: review, asks
 * the reviewers).
 */
export function gatesActivities(deps: PipelineDeps) {
  return {
    async checkRunGates(input: GatesInput): Promise<GatesResult> {
      const production = input.evaluation.gates.some((g) => g.vs === 'production') ? await aliasRecord(deps.db, input.model.project, input.model.name, 'production') : null;
      const results = checkGates(input.evaluation.gates, input.evaluated.variants, production?.record.evaluation?.variants ?? null);
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
