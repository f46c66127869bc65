export { createPipelineWorker, WORKFLOWS_PATH } from './worker';
export { createActivities, requestQuotaSlot, type PipelineActivities, type PipelineDeps } from './activities';
export { promoteActivities } from './activities/promote';
export { gatesActivities } from './activities/gates';
export { validateDataset } from './ingest/validate-dataset';
