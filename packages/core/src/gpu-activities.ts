import type { DatasetFormat } from './runspec';
import type { TrainingSpec } from './training';
import type { TrainReport } from './stage-reports';

/**
 * The contract between the pipeline workflow and GPU workers: activities on the
 * `refinery-gpu-<pool>` queue. The workflow proxies these types; workers/gpu implements them.
 */
export interface TrainInput {
  runId: string;
  baseModelUri: string;
  format: DatasetFormat;
  train: { artifactId: string; uri: string };
  eval: { artifactId: string; uri: string } | null;
  training: TrainingSpec;
}

export interface TrainResult {
  adapter: { artifactId: string; uri: string; sha256: string; bytes: number };
  report: TrainReport;
}

/** What a train attempt heartbeats, so the next attempt can resume where it stopped. */
export interface TrainHeartbeat {
  step: number;
  totalSteps: number | null;
  loss: number | null;
  checkpoint: { step: number; uri: string } | null;
}

export interface GpuActivities {
  trainLora(input: TrainInput): Promise<TrainResult>;
}
