import type { RunDetail, StageExecution } from '@refinery/core';
import type { StageName, StageReport } from '@refinery/core/workflow-safe';

/** What every stage panel receives: its stage execution (latest attempt), its parsed report and the whole run. */
export interface StagePanelProps<S extends StageName = StageName> {
  stage: StageExecution;
  /** The metrics parsed with the stage's report schema; null when the stage has reported nothing (yet). */
  report: StageReport<S> | null;
  run: RunDetail;
}
