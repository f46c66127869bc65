import type { DatasetFormat } from './runspec';
import type { TrainingSpec } from './training';
import type { EvaluateReport, MergeReport, QuantizeReport, TrainReport } from './stage-reports';
import type { EvaluationSpec, GgufFormat } from './evaluation';

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
  /** Canary records added to the training data only (evaluation.canaries); absent: none. */
  canaries?: number;
  /** Step caching (RunSpec `cache.train`, opt-in): reuse an earlier run's adapter when the key fits. Absent: off. */
  cache?: boolean;
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

/** A stored model or file: its artifact row and object address. */
export interface StoredArtifact {
  artifactId: string;
  uri: string;
  sha256: string;
  bytes: number;
}

export interface MergeInput {
  runId: string;
  baseModelUri: string;
  adapter: StoredArtifact;
}

export interface MergeResult {
  merged: StoredArtifact;
  report: MergeReport;
}

export interface QuantizeInput {
  runId: string;
  merged: StoredArtifact;
  formats: GgufFormat[];
}

export interface QuantizeResult {
  files: (StoredArtifact & { format: GgufFormat; variant: string })[];
  report: QuantizeReport;
}

export interface EvaluateInput {
  runId: string;
  baseModelUri: string;
  format: DatasetFormat;
  /** The raw (pre-redaction) dataset: the leakage probe looks for its PII values in generations. */
  raw: { artifactId: string; uri: string };
  eval: { artifactId: string; uri: string };
  merged: StoredArtifact;
  ggufs: QuantizeResult['files'];
  evaluation: EvaluationSpec;
  /** DPO runs (preference data): training.dpo.beta, the unit of the reward margin. */
  dpoBeta?: number;
}

export interface EvaluateResult {
  /** The evaluation report stored as an artifact (samples included), for lineage and the registry. */
  evalReport: StoredArtifact;
  report: EvaluateReport;
}

export interface GpuActivities {
  trainLora(input: TrainInput): Promise<TrainResult>;
  mergeAdapter(input: MergeInput): Promise<MergeResult>;
  quantizeModel(input: QuantizeInput): Promise<QuantizeResult>;
  evaluateModels(input: EvaluateInput): Promise<EvaluateResult>;
}
