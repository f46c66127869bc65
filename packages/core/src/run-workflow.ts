import { z } from 'zod';
import type { RunSpec } from './runspec';
import type { RunStatus } from './status';
import type { StageName } from './stages';

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
  status: 'succeeded' | 'rejected';
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
  awaitingDecision: { stage: StageName; since: string } | null;
  decisions: DecisionReceipt[];
  submittedBy: string;
}

export const HumanDecisionSchema = z
  .object({
    decision: z.enum(['approve', 'reject']),
    comment: z.string().trim().min(1, 'say why').max(4000),
    /** Who decides: an actor id, as in the audit log. */
    actor: z.string().min(1),
  })
  .strict();
export type HumanDecision = z.infer<typeof HumanDecisionSchema>;

export interface DecisionReceipt {
  stage: StageName;
  decision: HumanDecision['decision'];
  actor: string;
  at: string;
}
