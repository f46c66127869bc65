import type { DatasetFormat } from './runspec';
import type { TrainingSpec } from './training';

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
  metrics: {
    steps: number;
    totalSteps: number;
    trainLoss: number | null;
    evalLoss: number | null;
    baseEvalLoss: number | null;
    resumedFromStep: number | null;
    attempt: number;
    device: string;
    trainSeconds: number | null;
  };
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
