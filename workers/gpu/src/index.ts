export { createGpuWorker } from './worker';
export { trainActivities } from './train-activity';
export type { GpuDeps } from './deps';
