import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { OPENLINEAGE_REDELIVERY, TASK_QUEUES, type OpenLineageRedeliveryInput } from '@refinery/core';

/**
 * Makes sure undelivered OpenLineage events are retried every minute: a Temporal Schedule
 * (durable across restarts of every process), created once; later worker starts find it.
 * Without an endpoint configured, the schedule is removed (if an earlier start made it).
 */
export async function ensureOpenLineageRedeliverySchedule(client: Client, enabled: boolean): Promise<'created' | 'exists' | 'removed' | 'none'> {
  if (!enabled) {
    // No endpoint any more: nothing to redeliver to, so no minute-by-minute no-op workflows.
    const removed = await client.schedule.getHandle(OPENLINEAGE_REDELIVERY.scheduleId).delete().then(() => true, (err: Error) => (err instanceof ScheduleNotFoundError ? false : Promise.reject(err)));
    return removed ? 'removed' : 'none';
  }
  const input: OpenLineageRedeliveryInput = { dueOnly: true };
  try {
    await client.schedule.create({
      scheduleId: OPENLINEAGE_REDELIVERY.scheduleId,
      spec: { intervals: [{ every: `${OPENLINEAGE_REDELIVERY.everyMinutes} minute` }] },
      action: { type: 'startWorkflow', workflowType: OPENLINEAGE_REDELIVERY.workflowType, taskQueue: TASK_QUEUES.pipeline, args: [input] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      memo: { what: 'sends OpenLineage events the endpoint did not accept again (docs/lineage.md)' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
