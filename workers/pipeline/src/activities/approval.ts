import { createHash } from 'node:crypto';
import { durationMs, type ApprovalReport, type ApprovalSpec, type EvaluateReport, type GatesReport } from '@refinery/core';
import { audit, recordStageProgress, setRunStatus } from '@refinery/db';
import { canonicalJson } from '@refinery/redaction';
import type { PipelineDeps } from './deps';

export interface OpenApprovalInput {
  runId: string;
  submittedBy: string;
  approval: ApprovalSpec;
  /** What the reviewers decide on: the evaluation and the gates' verdict (either may be absent). */
  evidence: { evaluation: EvaluateReport | null; gates: GatesReport | null };
}

export interface RecordApprovalInput {
  runId: string;
  report: ApprovalReport;
}

/** sha256 of the evidence's canonical JSON: what an auditor recomputes from the stored reports. */
export const evidenceSha256 = (evidence: OpenApprovalInput['evidence']) => createHash('sha256').update(canonicalJson(evidence)).digest('hex');

/**
 * The approval stage's bookkeeping. The wait itself is the workflow's (an update with a
 * validator, and a timer); these record what the reviewers are asked and what they decided.
 */
export function approvalActivities({ db }: PipelineDeps) {
  return {
    /** Puts the request on the run (status awaiting_approval, the stage's report) and audits it. */
    async openApproval(input: OpenApprovalInput): Promise<ApprovalReport> {
      const requestedAt = new Date();
      const report: ApprovalReport = {
        outcome: 'awaiting',
        required: input.approval.required,
        submittedBy: input.submittedBy,
        requestedAt: requestedAt.toISOString(),
        expiresAt: new Date(requestedAt.getTime() + durationMs(input.approval.timeout)).toISOString(),
        evidenceSha256: evidenceSha256(input.evidence),
        gateFailures: (input.evidence.gates?.results ?? []).filter((r) => r.passed === false).map((r) => `${r.gate} (${r.value ?? r.note})`),
        decisions: [],
      };
      await recordStageProgress(db, input.runId, 'approval', report);
      await setRunStatus(db, input.runId, { status: 'awaiting_approval' });
      await audit(db, { actor: `workflow:${input.runId}`, action: 'approval.requested', subjectType: 'run', subjectId: input.runId, data: { required: report.required, expiresAt: report.expiresAt, evidenceSha256: report.evidenceSha256 } });
      return report;
    },
    /** Audits each decision and the outcome; the workflow then records the report on the stage. */
    async recordApproval(input: RecordApprovalInput): Promise<{ report: ApprovalReport }> {
      for (const d of input.report.decisions) {
        await audit(db, { actor: d.actor, action: `approval.${d.decision}`, subjectType: 'run', subjectId: input.runId, data: { comment: d.comment, evidenceSha256: d.evidenceSha256, at: d.at } });
      }
      await audit(db, { actor: `workflow:${input.runId}`, action: `approval.${input.report.outcome}`, subjectType: 'run', subjectId: input.runId, data: { decisions: input.report.decisions.length, required: input.report.required } });
      return { report: input.report };
    },
  };
}
