import { condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { grantWaiting, limitOf, queuePositions, queueReason, type QuotaResource, type SemaphoreState, type SlotRequest } from '@refinery/core/workflow-safe';
import type { PipelineActivities } from '../activities';
import { acquireSignal, limitsChangedSignal, releaseSignal, slotGrantedSignal, slotQueuedSignal } from './messages';

const quota = proxyActivities<Pick<PipelineActivities, 'loadQuotaLimits' | 'publishQuotaQueue' | 'endedQuotaHolders'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** While runs wait, how often the semaphore checks that its slot holders still run. */
const HOLDER_CHECK = '1 minute';

/**
 * One project's semaphore (docs/architecture.md, Fair queuing and quotas): runs ask for a slot
 * of a resource (`runs`, `gpu:<pool>`) with `acquire`, are let through while the project is
 * under its limit for it (highest priority first, then first come), and give it back with
 * `release`. It lives only while someone holds or waits for a slot; its state carries over
 * continue-as-new. Every change is published to Postgres (run_queue) for the dashboard and CLI.
 */
export async function projectQuota({ project, state: carried }: { project: string; state?: SemaphoreState }): Promise<void> {
  const state: SemaphoreState = carried ?? { holders: {}, waiting: [], nextSeq: 0 };
  let limits = await quota.loadQuotaLimits(project);
  let changed = true;
  let reloadLimits = false;
  /** Who must hear back next round: runs that just lined up (queued, unless let through by then) and holders asking again. */
  const newlyWaiting: SlotKey[] = [];
  const askedAgain: SlotKey[] = [];

  setHandler(acquireSignal, ({ runId, resource, priority }) => {
    if (state.holders[resource]?.includes(runId)) askedAgain.push({ runId, resource }); // a retried request
    else if (!state.waiting.some(same({ runId, resource }))) {
      state.waiting.push({ runId, resource, priority, seq: state.nextSeq++, queuedAt: new Date().toISOString() });
      newlyWaiting.push({ runId, resource });
    }
    changed = true;
  });
  setHandler(releaseSignal, ({ runId, resource }) => {
    release(state, runId, resource);
    changed = true;
  });
  setHandler(limitsChangedSignal, () => {
    reloadLimits = true;
    changed = true;
  });

  let published = '';
  for (;;) {
    const woken = state.waiting.length ? await condition(() => changed, HOLDER_CHECK) : (await condition(() => changed), true);
    if (!woken) {
      // Waiting runs, quiet line: take back the slots of holders whose run ended without a word.
      const holders = [...new Set(Object.values(state.holders).flat())] as string[];
      if (holders.length) for (const runId of await quota.endedQuotaHolders({ runIds: holders })) releaseAll(state, runId);
    }
    changed = false;
    if (reloadLimits) {
      reloadLimits = false;
      limits = await quota.loadQuotaLimits(project);
    }
    const granted = grantWaiting(state, limits);
    const gone = await Promise.all([
      ...[...granted, ...askedAgain.splice(0)].map((req) => tell(req, true)),
      ...newlyWaiting.splice(0).filter((req) => state.waiting.some(same(req))).map((req) => tell(req, false)),
    ]);
    for (const runId of gone.filter((id): id is string => id !== null)) {
      releaseAll(state, runId); // the run is gone: its slots go to the next in line
      changed = true;
    }

    // The line as people see it, rewritten only when it changed.
    const positions = queuePositions(state);
    const entries = state.waiting.map((w) => ({
      runId: w.runId,
      resource: w.resource,
      position: positions.get(w)!,
      priority: w.priority,
      reason: queueReason(project, w.resource, limitOf(limits, w.resource) ?? 0),
      queuedAt: w.queuedAt,
    }));
    const snapshot = JSON.stringify(entries);
    if (snapshot !== published) {
      await quota.publishQuotaQueue({ project, entries });
      published = snapshot;
    }

    const idle = !state.waiting.length && Object.values(state.holders).every((h) => !h?.length);
    if (idle && !changed) return; // a signal arriving now makes Temporal refuse the completion and run us again
    if (workflowInfo().continueAsNewSuggested && !changed) await continueAsNew<typeof projectQuota>({ project, state });
  }
}

type SlotKey = Pick<SlotRequest, 'runId' | 'resource'>;
const same = (a: SlotKey) => (b: SlotKey) => a.runId === b.runId && a.resource === b.resource;

/** Tells a run its request was granted or queued; returns the run's id when it is gone (it cannot be told). */
async function tell(req: SlotKey, granted: boolean): Promise<string | null> {
  try {
    await getExternalWorkflowHandle(req.runId).signal(granted ? slotGrantedSignal : slotQueuedSignal, req.resource);
    return null;
  } catch {
    return req.runId;
  }
}

function release(state: SemaphoreState, runId: string, resource: QuotaResource): void {
  state.holders[resource] = (state.holders[resource] ?? []).filter((id) => id !== runId);
  state.waiting = state.waiting.filter((w) => !same({ runId, resource })(w));
}

function releaseAll(state: SemaphoreState, runId: string): void {
  for (const resource of Object.keys(state.holders) as QuotaResource[]) release(state, runId, resource);
  state.waiting = state.waiting.filter((w) => w.runId !== runId);
}
