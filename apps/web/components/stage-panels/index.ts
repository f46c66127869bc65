import type { ComponentType } from 'react';
import type { StageName } from '@refinery/core/workflow-safe';
import { ApprovalPanel } from './approval-panel';
import { EvaluatePanel } from './evaluate-panel';
import { GatesPanel } from './gates-panel';
import { IngestPanel } from './ingest-panel';
import { MergePanel } from './merge-panel';
import { PromotePanel } from './promote-panel';
import { QuantizePanel } from './quantize-panel';
import { RedactPanel } from './redact-panel';
import { SplitPanel } from './split-panel';
import { TrainPanel } from './train-panel';
import type { StagePanelProps } from './types';

export type { StagePanelProps } from './types';
export { GenericMetricsPanel } from './generic-metrics-panel';

/**
 * Stage name → the panel that explains its report on the run page. Keyed by every stage of the
 * definition in @refinery/core, so a stage without a panel is a type error.
 */
export const STAGE_PANELS: { [S in StageName]: ComponentType<StagePanelProps<S>> } = {
  ingest: IngestPanel,
  redact: RedactPanel,
  split: SplitPanel,
  train: TrainPanel,
  merge: MergePanel,
  quantize: QuantizePanel,
  evaluate: EvaluatePanel,
  gates: GatesPanel,
  approval: ApprovalPanel,
  promote: PromotePanel,
};
