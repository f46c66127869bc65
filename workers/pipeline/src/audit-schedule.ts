import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { AUDIT_CHECKPOINT_SCHEDULE, TASK_QUEUES } from '@refinery/core';

/**
 * Makes sure the daily audit checkpoint is scheduled: a Temporal Schedule (durable, survives
 * restarts of every process), created once; every worker start after that finds it.
 */
export async function ensureAuditCheckpointSchedule(client: Client): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create({
      scheduleId: AUDIT_CHECKPOINT_SCHEDULE.scheduleId,
      spec: { cronExpressions: [AUDIT_CHECKPOINT_SCHEDULE.cron] },
      action: { type: 'startWorkflow', workflowType: AUDIT_CHECKPOINT_SCHEDULE.workflowType, taskQueue: TASK_QUEUES.pipeline, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      memo: { what: 'signs a checkpoint of the audit chain (docs/security.md, Audit log)' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
