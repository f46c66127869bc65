import { proxyActivities } from '@temporalio/workflow';
import type { AuditCheckpoint } from '@refinery/core';
import type { PipelineActivities } from '../activities';

const { signAuditCheckpoint } = proxyActivities<Pick<PipelineActivities, 'signAuditCheckpoint'>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 20 },
});

/** Signs a checkpoint of the audit chain's head; a Temporal Schedule starts it daily. */
export async function auditCheckpoint(): Promise<AuditCheckpoint | null> {
  return signAuditCheckpoint();
}
