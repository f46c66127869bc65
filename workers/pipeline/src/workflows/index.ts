export { fineTuneRun } from './fine-tune-run';
export type { FineTuneRunInput, FineTuneRunResult } from './fine-tune-run';
