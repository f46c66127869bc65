export { createGpuWorker } from './worker';
export { trainActivities, type GpuDeps } from './train-activity';
export { parseTrainerLine, TrainerEventSchema, type TrainerEvent } from './trainer-events';
