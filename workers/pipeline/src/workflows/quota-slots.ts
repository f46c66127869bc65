import { condition, getExternalWorkflowHandle, proxyActivities, setHandler } from '@temporalio/workflow';
import { quotaWorkflowId, type QuotaResource } from '@refinery/core/workflow-safe';
import type { PipelineActivities } from '../activities';
import { releaseSignal, slotGrantedSignal, slotQueuedSignal } from './messages';

const { requestQuotaSlot } = proxyActivities<Pick<PipelineActivities, 'requestQuotaSlot'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 50 },
});

const ASK_AGAIN = '2 minutes';

/**
 * A run's side of its project's semaphore (project-quota.ts): ask for a slot and wait for it,
 * give it back. Every slot asked for is given back by `releaseAll`, also one still waited for
 * (a run cancelled in the queue leaves the line).
 */
export function quotaSlots(o: { project: string; runId: string; priority: number }) {
  const granted = new Set<QuotaResource>();
  const queued = new Set<QuotaResource>();
  const asked = new Set<QuotaResource>();
  setHandler(slotGrantedSignal, (resource) => void granted.add(resource));
  setHandler(slotQueuedSignal, (resource) => void queued.add(resource));

  const release = async (resource: QuotaResource): Promise<void> => {
    if (!asked.delete(resource)) return;
    granted.delete(resource);
    queued.delete(resource);
    await getExternalWorkflowHandle(quotaWorkflowId(o.project))
      .signal(releaseSignal, { runId: o.runId, resource })
      .catch(() => undefined); // no semaphore running: it holds nothing of ours
  };

  return {
    /** Resolves once the slot is ours; `whileQueued` runs first when the run has to wait for it. */
    async acquire(resource: QuotaResource, whileQueued?: () => Promise<void>): Promise<{ waited: boolean }> {
      asked.add(resource);
      await requestQuotaSlot({ project: o.project, runId: o.runId, resource, priority: o.priority });
      await condition(() => granted.has(resource) || queued.has(resource));
      if (granted.has(resource)) return { waited: false };
      await whileQueued?.();
      // Asking again now and then is harmless (the semaphore ignores a request it holds) and
      // gets the run back in line should the semaphore ever have been terminated.
      while (!(await condition(() => granted.has(resource), ASK_AGAIN))) {
        await requestQuotaSlot({ project: o.project, runId: o.runId, resource, priority: o.priority });
      }
      return { waited: true };
    },
    release,
    async releaseAll(): Promise<void> {
      for (const resource of [...asked]) await release(resource);
    },
  };
}
