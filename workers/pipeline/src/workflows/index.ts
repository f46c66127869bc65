export { fineTuneRun } from './fine-tune-run';
export { auditCheckpoint } from './audit-checkpoint';
export { decideUpdate, progressQuery } from './messages';
