import { z } from 'zod';
import type { RunSpec } from './runspec';
import type { RunStatus } from './status';
import type { StageName } from './stages';
import { can, PROJECT_ROLES } from './access';

/**
 * The contract of the fineTuneRun workflow with its clients (the web app, tests): its input and
 * result, the `progress` query, and the `decide` update through which a person approves or
 * rejects (the approval stage waits for it).
 */
export interface FineTuneRunInput {
  runId: string;
  spec: RunSpec;
  /** Who submitted the run (an actor id as in the audit log); approvals may not come from them. */
  submittedBy: string;
}

export interface FineTuneRunResult {
  status: 'succeeded' | 'rejected' | 'expired';
  datasetUri: string;
  adapterUri: string | null;
}

export const RUN_MESSAGES = { progressQuery: 'progress', decideUpdate: 'decide' } as const;

export interface RunProgress {
  runId: string;
  status: RunStatus;
  /** The stage running now, or null between stages and at the end. */
  currentStage: StageName | null;
  completedStages: StageName[];
  /** Set while the run waits for a human decision on a stage. */
  awaitingDecision: { stage: StageName; since: string; required: number; evidenceSha256: string } | null;
  decisions: DecisionReceipt[];
  submittedBy: string;
}

export const HumanDecisionSchema = z
  .object({
    decision: z.enum(['approve', 'reject']),
    comment: z.string().trim().min(1, 'say why').max(4000),
    /** Who decides: an actor id, as in the audit log. */
    actor: z.string().min(1),
    /** Their role in the run's project, as the server resolved it (never taken from a request body). */
    role: z.enum(PROJECT_ROLES).nullable(),
    /** The evidence they were shown (ApprovalReport.evidenceSha256); refused if it changed since. */
    evidenceSha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type HumanDecision = z.infer<typeof HumanDecisionSchema>;

export interface DecisionReceipt {
  stage: StageName;
  decision: HumanDecision['decision'];
  actor: string;
  comment: string;
  evidenceSha256: string;
  at: string;
}

export type DecisionRefusal = {
  /** not_awaiting, already_decided, stale_evidence: the run's state (409); the others: who asks (403). */
  kind: 'not_awaiting' | 'separation_of_duties' | 'not_a_reviewer' | 'already_decided' | 'stale_evidence';
  message: string;
};

/**
 * Why a decision is refused, or null when it may be taken: the checks the workflow's update
 * validator runs, so the API can say the same thing before asking (and tests can call it).
 */
export function decisionRefusal(
  decision: HumanDecision,
  state: { runId: string; submittedBy: string; awaiting: RunProgress['awaitingDecision']; decided: readonly DecisionReceipt[]; status: RunStatus; currentStage: StageName | null },
): DecisionRefusal | null {
  const { awaiting } = state;
  if (!awaiting) return { kind: 'not_awaiting', message: `run ${state.runId} is not awaiting a decision (it is ${state.status}${state.currentStage ? `, in stage ${state.currentStage}` : ''})` };
  if (decision.actor === state.submittedBy) return { kind: 'separation_of_duties', message: `separation of duties: ${decision.actor} submitted this run, so another reviewer must decide on it` };
  if (!can(decision.role, 'run.approve')) return { kind: 'not_a_reviewer', message: `${decision.actor} needs the reviewer role (or admin) on the run's project to decide on it; their role is ${decision.role ?? 'none'}` };
  if (state.decided.some((d) => d.stage === awaiting.stage && d.actor === decision.actor)) {
    return { kind: 'already_decided', message: `${decision.actor} has already decided on this run; ${awaiting.required} different reviewers must approve it` };
  }
  if (decision.evidenceSha256 !== awaiting.evidenceSha256) {
    return { kind: 'stale_evidence', message: `the evidence changed since it was shown (sha256 ${decision.evidenceSha256.slice(0, 12)}…, now ${awaiting.evidenceSha256.slice(0, 12)}…): reload the run and decide again` };
  }
  return null;
}
