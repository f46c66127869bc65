import { ApplicationFailure, Context } from '@temporalio/activity';
import { ggufVariant, type ApprovalReport, type PromoteReport, type EvaluateReport, type GatesReport, type GpuActivities, type IngestReport, type MergeReport, type QuantizeReport, type RedactReport, type SplitReport, type StageName, type TrainReport, UNLIMITED } from '@refinery/core';
import { requestQuotaSlot, type PipelineActivities } from '@refinery/pipeline-worker';

/** Stand-ins for the stage activities, recording what the workflow asked for and in what order. */
export type Call = { activity: string; input: Record<string, unknown> };
// fineTuneRun's activities (the audit checkpoint and OpenLineage redelivery belong to their own scheduled workflows).
type Activities = Omit<PipelineActivities, 'signAuditCheckpoint' | 'redeliverOpenLineage'> & GpuActivities;
type Overrides = Partial<{ [K in keyof Activities]: (input: Parameters<Activities[K]>[0]) => ReturnType<Activities[K]> }>;

const artifact = (name: string) => ({ artifactId: `art_${name}`, uri: `object://sha256/${name.padEnd(64, '0')}`, sha256: name.padEnd(64, '0'), bytes: 100 });

export const INGEST_REPORT: IngestReport = {
  format: 'chat',
  sha256: 'a'.repeat(64),
  bytes: 100,
  records: 10,
  characters: 1000,
  estimatedTokens: 250,
  roleCounts: { user: 10, assistant: 10 },
  longestRecord: { line: 3, characters: 200 },
  errorCount: 0,
  errorsByReason: {},
  errors: [],
  errorsTruncated: false,
};
export const REDACT_REPORT: RedactReport = {
  reportVersion: 1,
  format: 'chat',
  policyHash: 'b'.repeat(64),
  detectorVersions: {},
  records: { read: 10, written: 10, changed: 4, dropped: 0 },
  entities: [],
  totalsByType: {},
  droppedByType: {},
  verification: { clean: true, recordsScanned: 10, residualCount: 0, residuals: [], residualsTruncated: false, residualsByType: {} },
};
export const SPLIT_REPORT: SplitReport = { trainRecords: 9, evalRecords: 1, eval: 0.1, seed: 42 };
export const TRAIN_REPORT: TrainReport = { steps: 3, totalSteps: 3, trainLoss: 1, evalLoss: 1.1, baseEvalLoss: 2, resumedFromStep: null, attempt: 1, device: 'cpu', trainSeconds: 1 };

export const MERGE_REPORT: MergeReport = { parameters: 1_000_000, dtype: 'float32', bytes: 4_000_000, tokenizerFiles: ['tokenizer.json', 'tokenizer_config.json'], seconds: 2 };
export const QUANTIZE_REPORT: QuantizeReport = {
  llamaCpp: { commit: '80fb11a' },
  files: [{ format: 'q8_0', variant: 'gguf-q8_0', uri: artifact('q8').uri, sha256: artifact('q8').sha256, bytes: 1_200_000, seconds: 1, sample: ' number is 42' }],
  tokenizerParity: true,
  seconds: 3,
};
export const EVALUATE_REPORT: EvaluateReport = {
  examples: 20,
  variants: [
    { variant: 'base', loss: 3.2, perplexity: 24.5, metrics: { exact_match: 0.05, rouge_l: 0.3 }, bytes: null, seconds: 4, examplesPerSecond: 5 },
    { variant: 'merged', loss: 0.9, perplexity: 2.46, metrics: { exact_match: 0.85, rouge_l: 0.92 }, bytes: null, seconds: 4, examplesPerSecond: 5 },
    { variant: ggufVariant('q8_0'), loss: 0.91, perplexity: 2.48, metrics: { exact_match: 0.85, rouge_l: 0.91 }, bytes: 1_200_000, seconds: 2, examplesPerSecond: 10 },
  ],
  samples: [{ index: 0, prompt: 'Ticket: printer on fire', reference: '{"department":"it"}', outputs: { base: 'hello', merged: '{"department":"it"}', 'gguf-q8_0': '{"department":"it"}' } }],
  leakage: { prompts: 20, rawValues: 140, leakingGenerations: 0, byType: {}, examples: [] },
  canaries: null,
};
export const GATES_REPORT: GatesReport = {
  passed: true,
  onFail: 'reject',
  results: [{ gate: 'merged exact_match ≥ 0.8', metric: 'exact_match', variant: 'merged', value: 0.85, reference: null, delta: null, passed: true, note: null }],
};

export const APPROVAL_REPORT: ApprovalReport = {
  outcome: 'approved',
  required: 1,
  submittedBy: 'user:alice',
  requestedAt: '2026-11-30T10:00:00.000Z',
  expiresAt: '2026-12-07T10:00:00.000Z',
  evidenceSha256: 'e'.repeat(64),
  gateFailures: [],
  decisions: [{ decision: 'approve', actor: 'user:bob', comment: 'metrics and samples look right', at: '2026-11-30T11:00:00.000Z', evidenceSha256: 'e'.repeat(64) }],
};

export const PROMOTE_REPORT: PromoteReport = { model: 'support-router', version: 2, alias: 'staging', moved: true, previousVersion: 1 };

export function mockActivities(overrides: Overrides = {}) {
  const calls: Call[] = [];
  const record = (activity: string, input: object) => calls.push({ activity, input: input as Record<string, unknown> });
  const base: Activities = {
    async markRun(input) {
      record('markRun', input);
    },
    async stageStarted(input) {
      record('stageStarted', input);
    },
    async stageFinished(input) {
      record('stageFinished', input);
    },
    async ingestDataset(input) {
      record('ingestDataset', input);
      return { dataset: artifact('raw'), report: INGEST_REPORT };
    },
    async redactDataset(input) {
      record('redactDataset', input);
      return { dataset: artifact('clean'), report: REDACT_REPORT, reportArtifactId: 'art_report' };
    },
    async splitDataset(input) {
      record('splitDataset', input);
      return { train: artifact('train'), eval: artifact('eval'), report: SPLIT_REPORT };
    },
    async trainLora(input) {
      record('trainLora', input);
      return { adapter: { artifactId: 'art_adapter', uri: artifact('adapter').uri, sha256: 'c'.repeat(64), bytes: 1 }, report: TRAIN_REPORT };
    },
    async mergeAdapter(input) {
      record('mergeAdapter', input);
      return { merged: artifact('merged'), report: MERGE_REPORT };
    },
    async quantizeModel(input) {
      record('quantizeModel', input);
      return { files: input.formats.map((format) => ({ ...artifact(`gguf${format}`), format, variant: ggufVariant(format) })), report: QUANTIZE_REPORT };
    },
    async evaluateModels(input) {
      record('evaluateModels', input);
      return { evalReport: artifact('evalreport'), report: EVALUATE_REPORT };
    },
    async checkRunGates(input) {
      record('checkRunGates', input);
      return { report: GATES_REPORT };
    },
    async openApproval(input) {
      record('openApproval', input);
      return { ...APPROVAL_REPORT, outcome: 'awaiting', required: input.approval.required, submittedBy: input.submittedBy, decisions: [] };
    },
    async recordApproval(input) {
      record('recordApproval', input);
      return { report: input.report };
    },
    async promoteModel(input) {
      record('promoteModel', input);
      return { report: { ...PROMOTE_REPORT, model: input.model, alias: input.alias } };
    },
    // Fair queuing: the real request (it starts the project's semaphore workflow on this worker's queue); no limits unless a test overrides loadQuotaLimits.
    async requestQuotaSlot(input) {
      record('requestQuotaSlot', input);
      await requestQuotaSlot(input);
    },
    async loadQuotaLimits(project) {
      record('loadQuotaLimits', { project });
      return UNLIMITED;
    },
    async publishQuotaQueue(input) {
      record('publishQuotaQueue', input);
    },
    async endedQuotaHolders(input) {
      record('endedQuotaHolders', input);
      return [];
    },
  };
  const activities = { ...base } as Record<string, (input: never) => Promise<unknown>>;
  for (const [name, fn] of Object.entries(overrides)) {
    activities[name] = async (input: never) => {
      record(name, input);
      return (fn as (i: unknown) => Promise<unknown>)(input);
    };
  }
  /** The stage timeline as the projection saw it: [stage, status] in order. */
  const timeline = () =>
    calls
      .filter((c) => c.activity === 'stageStarted' || c.activity === 'stageFinished')
      .map((c) => [c.input.stage as StageName, c.activity === 'stageStarted' ? 'started' : (c.input.status as string)]);
  return { activities: activities as unknown as Activities, calls, timeline };
}

/** An activity that heartbeats until it is cancelled (so a test can act while a stage runs). */
export async function blockUntilCancelled(): Promise<never> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), 200);
  try {
    await ctx.cancelled;
  } finally {
    clearInterval(timer);
  }
  throw ApplicationFailure.nonRetryable('unreachable');
}
