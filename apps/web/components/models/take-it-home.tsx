import type { ModelDetail } from '@refinery/core';
import { takeHomeCommands } from '@refinery/core/workflow-safe';

/**
 * Per version with GGUF files: the commands that download it with an Ollama Modelfile (checked
 * against the version's sha256s) and create the Ollama model, offline.
 */
export function TakeItHome({ model }: { model: ModelDetail }) {
  const versions = model.versions.flatMap((v) => {
    const commands = takeHomeCommands(model, v);
    return commands ? [{ v, commands }] : [];
  });
  if (versions.length === 0) return null;
  return (
    <section className="space-y-2" aria-label="Take it home">
      <h2 className="text-sm font-semibold">Take it home</h2>
      <p className="text-xs text-slate-500">
        Download a version&apos;s GGUF file (sha256-checked) with an Ollama <code>Modelfile</code> carrying its chat template, then create the model in Ollama; no network needed after the pull.
        Choose another file with <code>--format</code>.
      </p>
      <div className="grid max-w-6xl gap-2 md:grid-cols-2">
        {versions.map(({ v, commands }) => (
          <div key={v.id} className="rounded border border-slate-200 bg-slate-50 p-2" data-testid="take-it-home" data-version={v.version}>
            <div className="mb-1 text-xs text-slate-600">
              v{v.version}: {commands.format} ({v.record.ggufs.map((g) => g.format).join(', ')} available)
            </div>
            <pre className="overflow-x-auto whitespace-pre font-mono text-xs">{`${commands.pull}\n${commands.create}`}</pre>
          </div>
        ))}
      </div>
    </section>
  );
}
