import { formatBytes } from '@/lib/client/format';
import { GenericMetricsPanel } from './generic-metrics-panel';
import type { StagePanelProps } from './types';

const fixed = (v: number | null | undefined, digits = 3) => (v == null ? '—' : v.toFixed(digits));

/** Base vs merged vs each GGUF on the eval split, then sample generations side by side. */
export function EvaluatePanel(props: StagePanelProps<'evaluate'>) {
  const { report } = props;
  if (!report) return <GenericMetricsPanel {...props} />;
  const metricNames = [...new Set(report.variants.flatMap((v) => Object.keys(v.metrics)))].sort();
  const variants = report.variants.map((v) => v.variant);
  return (
    <div data-testid="evaluate-panel" className="space-y-4 px-4 py-3">
      <div className="overflow-x-auto">
        <table className="data-table" data-testid="evaluate-metrics">
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col" className="text-right">Size</th>
              <th scope="col" className="text-right">Loss</th>
              <th scope="col" className="text-right">Perplexity</th>
              {metricNames.map((m) => (
                <th key={m} scope="col" className="text-right font-mono text-xs">
                  {m}
                </th>
              ))}
              <th scope="col" className="text-right">Examples/s</th>
            </tr>
          </thead>
          <tbody>
            {report.variants.map((v) => (
              <tr key={v.variant} data-testid="evaluate-variant" data-variant={v.variant}>
                <td className="font-mono text-xs">{v.variant}</td>
                <td className="text-right font-mono text-xs">{v.bytes == null ? '—' : formatBytes(v.bytes)}</td>
                <td className="text-right font-mono text-xs">{fixed(v.loss)}</td>
                <td className="text-right font-mono text-xs">{fixed(v.perplexity, 2)}</td>
                {metricNames.map((m) => (
                  <td key={m} className="text-right font-mono text-xs">
                    {fixed(v.metrics[m])}
                  </td>
                ))}
                <td className="text-right font-mono text-xs">{fixed(v.examplesPerSecond, 1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="text-xs text-slate-500">{report.examples} held-out examples, greedy decoding.</p>
      {report.samples.length > 0 && (
        <details data-testid="evaluate-samples">
          <summary className="cursor-pointer text-xs font-semibold uppercase tracking-wide text-slate-500">Sample generations ({report.samples.length})</summary>
          <div className="mt-2 space-y-3">
            {report.samples.map((s) => (
              <div key={s.index} className="rounded border border-slate-200 p-2 text-xs">
                <p className="mb-1 whitespace-pre-wrap text-slate-600">
                  <span className="font-semibold">Prompt:</span> {s.prompt}
                </p>
                <table className="data-table">
                  <tbody>
                    <tr>
                      <th scope="row">reference</th>
                      <td className="whitespace-pre-wrap font-mono">{s.reference}</td>
                    </tr>
                    {variants.map((v) => (
                      <tr key={v}>
                        <th scope="row" className="font-mono">
                          {v}
                        </th>
                        <td className="whitespace-pre-wrap font-mono">{s.outputs[v] ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
          </div>
        </details>
      )}
    </div>
  );
}
