import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { RUN_MESSAGES, type DecisionReceipt, type HumanDecision, type RunProgress } from '@refinery/core/workflow-safe';

/** The fineTuneRun's query and update, for the workflow and for clients (web app, tests). */
export const progressQuery = defineQuery<RunProgress>(RUN_MESSAGES.progressQuery);
export const decideUpdate = defineUpdate<DecisionReceipt, [HumanDecision]>(RUN_MESSAGES.decideUpdate);
