export { createGpuWorker } from './worker';
export { trainActivities } from './train-activity';
export type { GpuDeps } from './deps';
export { runTrainerJob, type TrainerJob, type JobPaths } from './job-runner';
export { parseTrainerLine, TRAIN_PROTOCOL, type TrainerEvent, type VerbProtocol } from './trainer-events';
