'use client';

import Link from 'next/link';
import { useQueries } from '@tanstack/react-query';
import { ErrorBanner } from '@/components/ui';
import { listModels } from '@/lib/client/api';
import { useMe } from '@/lib/client/use-me';

/** The registry models of every project the caller belongs to. */
export function ModelsList() {
  const { data: me } = useMe();
  const projects = me?.projects ?? [];
  const results = useQueries({ queries: projects.map((p) => ({ queryKey: ['models', p.id], queryFn: () => listModels(p.id) })) });
  if (!me) return <p className="text-sm text-slate-500">Loading models…</p>;
  const models = results.flatMap((r) => r.data?.models ?? []);
  const failed = results.find((r) => r.isError);
  return (
    <div className="space-y-4" data-testid="models-list">
      <h1 className="text-lg font-semibold">Models</h1>
      {failed?.error && <ErrorBanner title="Could not load some projects' models" message={failed.error.message} />}
      {models.length === 0 ? (
        <p className="text-sm text-slate-600">No model yet. A run with a <span className="font-mono">promotion:</span> section registers its model here.</p>
      ) : (
        <table className="data-table max-w-4xl">
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Model</th>
              <th scope="col" className="text-right">Latest</th>
              <th scope="col">Aliases</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={`${m.project}/${m.name}`} data-testid="model-row">
                <td>{m.project}</td>
                <td>
                  <Link className="font-mono text-emerald-800 underline" href={`/models/${encodeURIComponent(m.project)}/${encodeURIComponent(m.name)}`}>
                    {m.name}
                  </Link>
                </td>
                <td className="text-right font-mono">v{m.latestVersion ?? '-'}</td>
                <td className="font-mono text-xs">{Object.entries(m.aliases).map(([a, v]) => `${a} → v${v}${m.affectedAliases?.includes(a) ? ' (affected)' : ''}`).join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
