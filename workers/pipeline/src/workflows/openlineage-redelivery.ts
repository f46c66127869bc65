import { proxyActivities } from '@temporalio/workflow';
import type { OpenLineageRedeliveryInput, OpenLineageRedeliveryResult } from '@refinery/core';
import type { PipelineActivities } from '../activities';

// One try: the next round (a minute later) is the retry; each delivery is bounded by its own timeout.
const { redeliverOpenLineage } = proxyActivities<Pick<PipelineActivities, 'redeliverOpenLineage'>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 1 },
});

/** Sends undelivered OpenLineage events again; a Temporal Schedule starts it every minute. */
export async function openLineageRedelivery(input: OpenLineageRedeliveryInput = { dueOnly: true }): Promise<OpenLineageRedeliveryResult> {
  return redeliverOpenLineage(input);
}
