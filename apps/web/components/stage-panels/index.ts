import type { ComponentType } from 'react';
import { GenericMetricsPanel } from './generic-metrics-panel';
import { IngestPanel } from './ingest-panel';
import { RedactPanel } from './redact-panel';
import { TrainPanel } from './train-panel';
import type { StagePanelProps } from './types';

export type { StagePanelProps } from './types';

/**
 * Stage name → the panel that explains its metrics on the run page. A new stage (redact,
 * split, train, ...) adds its panel here; stages without one get the generic metrics view.
 */
const STAGE_PANELS: Record<string, ComponentType<StagePanelProps>> = {
  ingest: IngestPanel,
  redact: RedactPanel,
  train: TrainPanel,
};

export function stagePanelFor(stage: string): ComponentType<StagePanelProps> {
  return STAGE_PANELS[stage] ?? GenericMetricsPanel;
}
