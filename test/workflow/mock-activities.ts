import { ApplicationFailure, Context } from '@temporalio/activity';
import type { GpuActivities, IngestReport, RedactReport, SplitReport, StageName, TrainReport } from '@refinery/core';
import type { PipelineActivities } from '@refinery/pipeline-worker';

/** Stand-ins for the stage activities, recording what the workflow asked for and in what order. */
export type Call = { activity: string; input: Record<string, unknown> };
type Activities = PipelineActivities & GpuActivities;
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
