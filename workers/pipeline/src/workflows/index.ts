export { fineTuneRun } from './fine-tune-run';
export { auditCheckpoint } from './audit-checkpoint';
export { openLineageRedelivery } from './openlineage-redelivery';
export { decideUpdate, progressQuery } from './messages';
