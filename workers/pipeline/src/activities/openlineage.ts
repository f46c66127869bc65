import { Context } from '@temporalio/activity';
import type { OpenLineageRedeliveryInput, OpenLineageRedeliveryResult } from '@refinery/core';
import { countPendingOpenLineageDeliveries } from '@refinery/db';
import { redeliverOpenLineageEvents } from '../openlineage/delivery';
import type { PipelineDeps } from './deps';

/**
 * Redelivery of OpenLineage events the endpoint did not take (the `openLineageRedelivery`
 * workflow runs it: every minute from a Temporal Schedule, or now for an instance admin).
 */
export function openLineageActivities({ db, openlineageEndpoint }: PipelineDeps) {
  return {
    async redeliverOpenLineage(input: OpenLineageRedeliveryInput): Promise<OpenLineageRedeliveryResult> {
      if (!openlineageEndpoint) {
        return { configured: false, attempted: 0, delivered: 0, failed: 0, remaining: await countPendingOpenLineageDeliveries(db), stopped: 'REFINERY_OPENLINEAGE_URL is not set on the pipeline worker' };
      }
      const result = await redeliverOpenLineageEvents(db, openlineageEndpoint, { dueOnly: input.dueOnly, onProgress: () => Context.current().heartbeat() });
      if (result.attempted) console.log(`[openlineage] redelivery: ${result.delivered} of ${result.attempted} delivered, ${result.remaining} waiting${result.stopped ? ` (${result.stopped})` : ''}`);
      return { configured: true, ...result };
    },
  };
}
