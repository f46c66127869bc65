import { WorkflowUpdateFailedError } from '@temporalio/client';
import { personOf, roleIn, type Principal } from '@refinery/auth';
import { decisionRefusal, RUN_MESSAGES, type DecisionReceipt, type DecisionRefusal, type DecisionRequest, type HumanDecision, type RunProgress } from '@refinery/core';
import { audit } from '@refinery/db';
import type { ServerContext } from './context';
import { HttpError } from './http';
import { getRunOr404 } from './runs-service';

const REFUSAL_STATUS = { not_awaiting: 409, already_decided: 409, stale_evidence: 409, separation_of_duties: 403, not_a_reviewer: 403 } as const;

/**
 * A reviewer's decision on a run awaiting approval. The workflow's update validator is the
 * authority; the same checks run here first (on the workflow's own progress) so a refusal comes
 * back with its status code and reason. The decider is the person behind the caller.
 */
export async function decideRun(ctx: ServerContext, id: string, principal: Principal, request: DecisionRequest) {
  const run = await getRunOr404(ctx, id);
  const actor = personOf(principal);
  const refuse = async (refusal: DecisionRefusal): Promise<never> => {
    await audit(ctx.database.db, { actor, action: 'approval.refused', subjectType: 'run', subjectId: id, data: { decision: request.decision, reason: refusal.kind } });
    throw new HttpError(REFUSAL_STATUS[refusal.kind], refusal.kind, refusal.message);
  };
  if (run.status !== 'awaiting_approval') return refuse({ kind: 'not_awaiting', message: `run ${id} is not awaiting a decision (it is ${run.status})` });
  const handle = (await ctx.temporal()).workflow.getHandle(id);
  const progress = await handle.query<RunProgress>(RUN_MESSAGES.progressQuery);
  const decision: HumanDecision = {
    decision: request.decision,
    comment: request.comment,
    actor,
    role: roleIn(principal, run.project),
    // Without one named, the decision is on the evidence the run shows now.
    evidenceSha256: request.evidenceSha256 ?? progress.awaitingDecision?.evidenceSha256 ?? '',
  };
  const refusal = decisionRefusal(decision, { runId: id, submittedBy: progress.submittedBy, awaiting: progress.awaitingDecision, decided: progress.decisions, status: progress.status, currentStage: progress.currentStage });
  if (refusal) return refuse(refusal);
  let receipt: DecisionReceipt;
  try {
    receipt = await handle.executeUpdate<DecisionReceipt, [HumanDecision]>(RUN_MESSAGES.decideUpdate, { args: [decision] });
  } catch (err) {
    // The validator saw a different state (another reviewer decided a moment ago): say why.
    if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'refused', (err.cause as Error | undefined)?.message ?? err.message);
    throw err;
  }
  return { receipt, run: await getRunOr404(ctx, id) };
}
