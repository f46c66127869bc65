import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { QUOTA_MESSAGES, RUN_MESSAGES, type DecisionReceipt, type HumanDecision, type QuotaResource, type RunProgress } from '@refinery/core/workflow-safe';

/** The fineTuneRun's query and update, for the workflow and for clients (web app, tests). */
export const progressQuery = defineQuery<RunProgress>(RUN_MESSAGES.progressQuery);
export const decideUpdate = defineUpdate<DecisionReceipt, [HumanDecision]>(RUN_MESSAGES.decideUpdate);

/** The project semaphore's signals (workflows/project-quota.ts) and its answers to a run. */
export const acquireSignal = defineSignal<[{ runId: string; resource: QuotaResource; priority: number }]>(QUOTA_MESSAGES.acquire);
export const releaseSignal = defineSignal<[{ runId: string; resource: QuotaResource }]>(QUOTA_MESSAGES.release);
export const limitsChangedSignal = defineSignal(QUOTA_MESSAGES.limitsChanged);
export const slotGrantedSignal = defineSignal<[QuotaResource]>(QUOTA_MESSAGES.slotGranted);
export const slotQueuedSignal = defineSignal<[QuotaResource]>(QUOTA_MESSAGES.slotQueued);
