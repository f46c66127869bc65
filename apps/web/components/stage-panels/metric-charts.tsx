'use client';

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricPoint } from '@refinery/core';
import { formatCount } from '@/lib/client/format';

type Field = 'tokensPerSecond' | 'paddingFraction' | 'rewardAccuracy' | 'rewardMargin';

/** One series: the points of a kind that have the field, in step order (each Line keeps its own rows, as in LossChart). */
function series(points: MetricPoint[], kind: MetricPoint['kind'], field: Field, scale = 1) {
  return points
    .flatMap((p) => {
      const v = p[field];
      return p.kind === kind && v != null ? [{ step: p.step, value: v * scale }] : [];
    })
    .sort((a, b) => a.step - b.step);
}

/** SFT runs report padding per step; DPO runs report rewards: which chart a run gets. */
export const hasPadding = (points: MetricPoint[]) => points.some((p) => p.paddingFraction != null);
export const hasRewards = (points: MetricPoint[]) => points.some((p) => p.rewardAccuracy != null || p.rewardMargin != null);

const stepAxis = (
  <XAxis dataKey="step" type="number" allowDuplicatedCategory={false} domain={['dataMin', 'dataMax']} tick={{ fontSize: 11 }} label={{ value: 'step', position: 'insideBottomRight', offset: -2, fontSize: 11 }} />
);

/** SFT: real-token throughput per step (left axis) and the share of each step's batches that was padding (right axis, %). */
export function ThroughputChart({ points }: { points: MetricPoint[] }) {
  const throughput = series(points, 'train', 'tokensPerSecond');
  const padding = series(points, 'train', 'paddingFraction', 100);
  return (
    <div className="h-64 w-full" data-testid="throughput-chart" role="img" aria-label={`Throughput and padding: ${throughput.length} train steps`}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart margin={{ top: 8, right: 0, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          {stepAxis}
          <YAxis yAxisId="tps" tick={{ fontSize: 11 }} width={56} domain={[0, 'auto']} tickFormatter={(v: number) => formatCount(Math.round(v))} />
          <YAxis yAxisId="pad" orientation="right" tick={{ fontSize: 11 }} width={40} domain={[0, 100]} tickFormatter={(v: number) => `${v}%`} />
          <Tooltip formatter={(v, name) => (typeof v !== 'number' ? String(v) : name === 'padding' ? `${v.toFixed(1)}%` : formatCount(Math.round(v)))} labelFormatter={(s) => `step ${s}`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line yAxisId="tps" data={throughput} type="monotone" dataKey="value" name="real tokens/s" stroke="#7c3aed" dot={false} strokeWidth={1.5} isAnimationActive={false} />
          <Line yAxisId="pad" data={padding} type="monotone" dataKey="value" name="padding" stroke="#d97706" dot={false} strokeWidth={1.5} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** DPO: reward accuracy (left axis, 0..1; chance 0.5) and reward margin (right axis), per train step and at each eval. */
export function RewardChart({ points }: { points: MetricPoint[] }) {
  const trainAccuracy = series(points, 'train', 'rewardAccuracy');
  const evalAccuracy = series(points, 'eval', 'rewardAccuracy');
  const trainMargin = series(points, 'train', 'rewardMargin');
  const evalMargin = series(points, 'eval', 'rewardMargin');
  return (
    <div className="h-64 w-full" data-testid="reward-chart" role="img" aria-label={`Reward accuracy and margin: ${trainAccuracy.length} train steps, ${evalAccuracy.length} evaluations`}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart margin={{ top: 8, right: 0, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          {stepAxis}
          <YAxis yAxisId="acc" tick={{ fontSize: 11 }} width={40} domain={[0, 1]} tickFormatter={(v: number) => v.toFixed(1)} />
          <YAxis yAxisId="margin" orientation="right" tick={{ fontSize: 11 }} width={48} domain={['auto', 'auto']} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))} labelFormatter={(s) => `step ${s}`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line yAxisId="acc" data={trainAccuracy} type="monotone" dataKey="value" name="train accuracy" stroke="#059669" dot={false} strokeWidth={1.5} isAnimationActive={false} />
          <Line yAxisId="acc" data={evalAccuracy} type="linear" dataKey="value" name="eval accuracy" stroke="#059669" strokeDasharray="4 3" dot={{ r: 3 }} isAnimationActive={false} />
          <Line yAxisId="margin" data={trainMargin} type="monotone" dataKey="value" name="train margin" stroke="#db2777" dot={false} strokeWidth={1.5} isAnimationActive={false} />
          <Line yAxisId="margin" data={evalMargin} type="linear" dataKey="value" name="eval margin" stroke="#db2777" strokeDasharray="4 3" dot={{ r: 3 }} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
