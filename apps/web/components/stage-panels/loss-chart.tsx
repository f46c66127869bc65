'use client';

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricPoint } from '@refinery/core';

/** Train loss per optimizer step with the eval losses on the same step axis. */
export function LossChart({ points }: { points: MetricPoint[] }) {
  // Each series keeps its own rows: merging them by step would leave holes in the train line.
  const series = (kind: MetricPoint['kind']) =>
    points.filter((p) => p.kind === kind && p.loss !== null).map((p) => ({ step: p.step, loss: p.loss })).sort((a, b) => a.step - b.step);
  const train = series('train');
  const evals = series('eval');
  return (
    <div className="h-64 w-full" data-testid="loss-chart" role="img" aria-label={`Loss curve: ${train.length} train steps, ${evals.length} evaluations`}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" allowDuplicatedCategory={false} domain={['dataMin', 'dataMax']} tick={{ fontSize: 11 }} label={{ value: 'step', position: 'insideBottomRight', offset: -2, fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} width={48} domain={[0, 'auto']} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))} labelFormatter={(s) => `step ${s}`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line data={train} type="monotone" dataKey="loss" name="train loss" stroke="#059669" dot={false} strokeWidth={1.5} isAnimationActive={false} />
          <Line data={evals} type="linear" dataKey="loss" name="eval loss" stroke="#2563eb" strokeDasharray="4 3" dot={{ r: 3 }} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
