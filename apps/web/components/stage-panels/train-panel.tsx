'use client';

import { useQuery } from '@tanstack/react-query';
import type { MetricPoint } from '@refinery/core';
import { Stat } from '@/components/ui';
import { getRunMetrics } from '@/lib/client/api';
import { formatBytes, formatCount, formatDuration } from '@/lib/client/format';
import { LIVE_REFRESH_MS } from '@/lib/client/run-status';
import { LossChart } from './loss-chart';
import { hasPadding, hasRewards, RewardChart, ThroughputChart } from './metric-charts';
import type { StagePanelProps } from './types';

const num = (v: number | null | undefined, digits = 4) => (v == null ? '—' : v.toFixed(digits));

/** Live training progress: a step bar, the latest numbers, the loss curve and, next to it, throughput and padding (SFT) or the rewards (DPO). */
export function TrainPanel({ stage, report, run }: StagePanelProps<'train'>) {
  const live = stage.status === 'running';
  const metrics = useQuery({
    queryKey: ['run-metrics', run.id],
    queryFn: () => getRunMetrics(run.id),
    refetchInterval: live ? LIVE_REFRESH_MS : false,
  });
  const points = metrics.data?.points ?? [];
  const result: Partial<NonNullable<typeof report>> = report ?? {};
  const lastTrain = findLast(points, (p) => p.kind === 'train');
  const lastEval = findLast(points, (p) => p.kind === 'eval' && p.step > 0);
  const baseEval = points.find((p) => p.kind === 'eval' && p.step === 0);
  const totalSteps = result.totalSteps ?? lastTrain?.totalSteps ?? null;
  const step = result.steps ?? lastTrain?.step ?? 0;
  // DPO: the final eval's rewards once reported; while training, the latest eval after the base's (step 0: both 0).
  const dpo = result.preference !== undefined || hasRewards(points);
  const lastEvalRewards = findLast(points, (p) => p.kind === 'eval' && p.step > 0 && p.rewardAccuracy != null);
  const rewardAccuracy = result.preference?.rewardAccuracy ?? lastEvalRewards?.rewardAccuracy;
  const rewardMargin = result.preference?.rewardMargin ?? lastEvalRewards?.rewardMargin;
  const beta = result.preference ? ` (β ${result.preference.beta})` : '';
  const side = hasRewards(points) ? <RewardChart points={points} /> : hasPadding(points) ? <ThroughputChart points={points} /> : null;

  return (
    <div data-testid="train-panel" className="space-y-4 px-4 py-3">
      {totalSteps !== null && <StepProgress step={step} total={totalSteps} />}
      <dl className="grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-4 lg:grid-cols-8">
        <Stat label="Train loss" value={num(result.trainLoss ?? lastTrain?.loss)} />
        <Stat label="Eval loss" value={num(result.evalLoss ?? lastEval?.loss)} />
        <Stat label="Base eval loss" value={num(result.baseEvalLoss ?? baseEval?.loss)} hint="eval loss of the base model before training" />
        <Stat label="Learning rate" value={lastTrain?.learningRate == null ? '—' : lastTrain.learningRate.toExponential(2)} />
        <Stat label="Tokens/s" value={lastTrain?.tokensPerSecond == null ? '—' : formatCount(Math.round(lastTrain.tokensPerSecond))} hint="real tokens (padding excluded) per second of the latest step" />
        {live && lastTrain?.paddingFraction != null && <Stat label="Padding" value={`${(lastTrain.paddingFraction * 100).toFixed(1)}%`} hint="share of the latest step's batches that was padding" />}
        <Stat label={live ? 'ETA' : 'Train time'} value={live ? formatDuration(lastTrain?.etaSeconds == null ? null : lastTrain.etaSeconds * 1000) : formatDuration(result.trainSeconds == null ? null : result.trainSeconds * 1000)} />
        <Stat label="Device" value={result.device ?? '—'} />
        <Stat label="Resumed from" value={result.resumedFromStep == null ? '—' : `step ${result.resumedFromStep}`} hint="a retried attempt resumes from the last checkpoint" />
        {dpo && (
          <>
            <Stat label="Reward accuracy" value={num(rewardAccuracy, 3)} hint="DPO: eval pairs whose chosen answer gets the higher implicit reward (chance 0.5)" />
            <Stat label="Reward margin" value={num(rewardMargin, 3)} hint={`DPO: mean chosen − rejected reward on the eval pairs${beta}`} />
          </>
        )}
      </dl>
      {result.packing !== undefined && <UsageStats report={result} />}
      {metrics.isError ? (
        <p role="alert" className="text-sm text-red-700">
          Could not load the loss curve: {metrics.error.message}
        </p>
      ) : points.length === 0 ? (
        <p className="text-sm text-slate-500">{metrics.isPending ? 'Loading the loss curve…' : 'No training steps recorded yet.'}</p>
      ) : (
        <div className={side ? 'grid gap-4 lg:grid-cols-2' : undefined}>
          <LossChart points={points} />
          {side}
        </div>
      )}
    </div>
  );
}

/** Packing, precision and memory of a finished run (whole-run figures from the train report). */
function UsageStats({ report }: { report: Partial<NonNullable<StagePanelProps<'train'>['report']>> }) {
  const padding = report.paddingFraction == null ? '—' : `${(report.paddingFraction * 100).toFixed(1)}%`;
  const micro = report.microBatchSize == null ? '—' : `${report.microBatchSize} × ${report.microBatchesPerStep ?? 1}`;
  return (
    <dl data-testid="train-usage" className="grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-4 lg:grid-cols-8">
      <Stat label="Packing" value={report.packing ? `on (${formatCount(report.trainRows ?? 0)} rows)` : 'off'} hint="several records per sequence, each attending only to itself" />
      <Stat label="Padding" value={padding} hint="share of the batches that was padding" />
      <Stat label="Real tokens/s" value={report.realTokensPerSecond == null ? '—' : formatCount(Math.round(report.realTokensPerSecond))} hint="non-padding tokens per second of step time" />
      <Stat label="Real tokens" value={report.realTokens == null ? '—' : formatCount(report.realTokens)} />
      <Stat label="Peak memory" value={formatBytes(report.peakMemoryBytes ?? null)} hint="CUDA: max allocated in a step; CPU: the process's RSS high-water mark" />
      <Stat label="Precision" value={report.precision ?? '—'} />
      <Stat label="Micro-batches" value={micro} hint="rows per forward pass × forward passes per optimizer step" />
      <Stat label="Base weights" value={report.quantizeBase ?? 'full precision'} hint={report.gradientCheckpointing ? 'gradient checkpointing on' : undefined} />
    </dl>
  );
}

function StepProgress({ step, total }: { step: number; total: number }) {
  const pct = total > 0 ? Math.min(100, (step / total) * 100) : 0;
  return (
    <div>
      <div className="mb-1 flex justify-between text-xs text-slate-600">
        <span>
          step <span className="font-mono">{formatCount(step)}</span> of <span className="font-mono">{formatCount(total)}</span>
        </span>
        <span className="font-mono">{pct.toFixed(0)}%</span>
      </div>
      <div className="h-2 rounded bg-slate-100" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={step} aria-label="Training steps">
        <div className="h-2 rounded bg-emerald-500 transition-[width]" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

function findLast(points: MetricPoint[], match: (p: MetricPoint) => boolean): MetricPoint | undefined {
  for (let i = points.length - 1; i >= 0; i--) if (match(points[i]!)) return points[i];
  return undefined;
}
