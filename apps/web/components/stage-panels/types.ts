import type { RunDetail, StageExecution } from '@refinery/core';

/** What every stage panel receives: its stage execution (latest attempt) and the whole run. */
export interface StagePanelProps {
  stage: StageExecution;
  run: RunDetail;
}
