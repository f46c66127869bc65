import { formatBytes, shortSha } from '@/lib/client/format';
import { GenericMetricsPanel } from './generic-metrics-panel';
import type { StagePanelProps } from './types';

/** The GGUF files for on-device use (llama.cpp, Ollama, LM Studio), with sizes and addresses. */
export function QuantizePanel(props: StagePanelProps<'quantize'>) {
  const { report } = props;
  if (!report) return <GenericMetricsPanel {...props} />;
  return (
    <div data-testid="quantize-panel" className="space-y-2 px-4 py-3">
      <p className="text-xs text-slate-600">
        llama.cpp <span className="font-mono">{report.llamaCpp.commit}</span> · tokenizer parity with Hugging Face:{' '}
        <span data-testid="quantize-parity" className={report.tokenizerParity ? 'text-emerald-700' : 'text-red-700'}>
          {report.tokenizerParity ? 'identical token ids' : 'MISMATCH'}
        </span>
        {report.chatTemplateParity && (
          <>
            {' '}
            · chat template: <span data-testid="quantize-chat-parity" className="text-emerald-700">the same prompt</span> in node-llama-cpp ({report.chatTemplateParity.chatWrapper})
            {report.chatTemplateParity.sameTokens && (
              <span className="text-amber-700" title={report.chatTemplateParity.sameTokens}>
                {' '}
                — which tokenizes it piece by piece: {report.chatTemplateParity.nodeLlamaCppTokens} tokens, not {report.chatTemplateParity.tokens}
              </span>
            )}
          </>
        )}
        {report.architecture && <> · architecture <span className="font-mono">{report.architecture}</span></>}
      </p>
      <table className="data-table max-w-3xl">
        <thead>
          <tr>
            <th scope="col">Format</th>
            <th scope="col" className="text-right">Size</th>
            <th scope="col" className="text-right">Time</th>
            <th scope="col">sha256</th>
            <th scope="col">node-llama-cpp sample</th>
          </tr>
        </thead>
        <tbody>
          {report.files.map((f) => (
            <tr key={f.format} data-testid="gguf-row" data-format={f.format}>
              <td className="font-mono text-xs">{f.format}</td>
              <td className="text-right font-mono text-xs">{formatBytes(f.bytes)}</td>
              <td className="text-right font-mono text-xs">{f.seconds.toFixed(1)} s</td>
              <td className="font-mono text-xs text-slate-600" title={f.sha256}>
                {shortSha(f.sha256)}
              </td>
              <td className="max-w-xs truncate font-mono text-xs text-slate-600" title="loaded with node-llama-cpp and generated 16 greedy tokens">
                {f.sample}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
