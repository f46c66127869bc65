export { fineTuneRun } from './fine-tune-run';
export { decideUpdate, progressQuery } from './messages';
