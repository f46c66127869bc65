'use client';

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricPoint } from '@refinery/core';

interface ChartRow {
  step: number;
  train?: number;
  eval?: number;
}

/** Train loss per optimizer step with the eval losses on the same step axis. */
export function LossChart({ points }: { points: MetricPoint[] }) {
  const rows = new Map<number, ChartRow>();
  for (const p of points) {
    if (p.loss === null) continue;
    const row = rows.get(p.step) ?? { step: p.step };
    row[p.kind] = p.loss;
    rows.set(p.step, row);
  }
  const data = [...rows.values()].sort((a, b) => a.step - b.step);
  return (
    <div className="h-64 w-full" data-testid="loss-chart" role="img" aria-label={`Loss over ${data.length} steps`}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} tick={{ fontSize: 11 }} label={{ value: 'step', position: 'insideBottomRight', offset: -2, fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} width={48} domain={[0, 'auto']} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))} labelFormatter={(s) => `step ${s}`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line type="monotone" dataKey="train" name="train loss" stroke="#059669" dot={false} strokeWidth={1.5} isAnimationActive={false} connectNulls />
          <Line type="monotone" dataKey="eval" name="eval loss" stroke="#2563eb" strokeWidth={0} dot={{ r: 3 }} isAnimationActive={false} connectNulls={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
