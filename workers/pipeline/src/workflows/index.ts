export { fineTuneRun } from './fine-tune-run';
export { projectQuota } from './project-quota';
export { auditCheckpoint } from './audit-checkpoint';
export { openLineageRedelivery } from './openlineage-redelivery';
export { decideUpdate, limitsChangedSignal, progressQuery } from './messages';
