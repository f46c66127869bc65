'use client';

import Link from 'next/link';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ModelDetail } from '@refinery/core';
import { modelCard } from '@refinery/core/workflow-safe';
import { buttonClasses, ErrorBanner } from '@/components/ui';
import { getModel, rollbackModel } from '@/lib/client/api';
import { formatBytes, formatTimestamp, shortSha } from '@/lib/client/format';
import { useMe, whyNot } from '@/lib/client/use-me';
import { ModelCardView } from './model-card-view';
import { Playground } from './playground';
import { TakeItHome } from './take-it-home';

const mergedMetrics = (v: ModelDetail['versions'][number]) => v.record.evaluation?.variants.find((x) => x.variant === 'merged')?.metrics ?? {};

/** A registry model: its aliases (with rollback), task metrics across versions, every version's record, and the alias history. */
export function ModelView({ project, name }: { project: string; name: string }) {
  const query = useQuery({ queryKey: ['model', project, name], queryFn: () => getModel(project, name) });
  if (query.isPending) return <p className="text-sm text-slate-500">Loading model…</p>;
  if (query.isError) return <ErrorBanner title="Could not load this model" message={query.error.message} />;
  const model = query.data;
  const metricNames = [...new Set(model.versions.flatMap((v) => Object.keys(mergedMetrics(v))))].filter((k) => !k.includes('.') || k.startsWith('field_match.'));
  const chart = [...model.versions].reverse().map((v) => ({ version: `v${v.version}`, ...mergedMetrics(v) }));
  return (
    <div className="space-y-5" data-testid="model-view">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-500">
        <Link href="/models" className="hover:underline">
          Models
        </Link>{' '}
        / {project} / <span className="text-slate-700">{name}</span>
      </nav>
      <section className="space-y-2">
        <h1 className="text-lg font-semibold">{name}</h1>
        {model.affectedAliases?.includes('production') && (
          <p role="alert" data-testid="production-affected" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
            <strong>Production is affected by an erasure request:</strong> the version <span className="font-mono">production</span> points at was trained on data a data subject asked to have erased. Nothing was changed; roll the alias back or retrain without the data.
          </p>
        )}
        <Aliases model={model} />
      </section>
      {metricNames.length > 0 && (
        <section aria-label="Task metrics across versions" className="h-64 max-w-4xl" data-testid="model-metrics-chart">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={chart} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="version" />
              <YAxis domain={[0, 1]} />
              <Tooltip />
              <Legend />
              {metricNames.map((m, i) => (
                <Line key={m} dataKey={m} stroke={['#059669', '#7c3aed', '#dc2626', '#2563eb', '#d97706'][i % 5]} isAnimationActive={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </section>
      )}
      <table className="data-table max-w-6xl" data-testid="model-versions">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Run</th>
            <th scope="col">Adapter sha256</th>
            <th scope="col">GGUF files</th>
            <th scope="col">Merged metrics</th>
            <th scope="col">Approved by</th>
            <th scope="col">Aliases</th>
          </tr>
        </thead>
        <tbody>
          {model.versions.map((v) => (
            <tr key={v.id} id={`v${v.version}`} data-testid="model-version" data-version={v.version}>
              <td className="font-mono">
                v{v.version}{' '}
                <Link className="font-sans text-xs text-emerald-800 underline" href={`/lineage?${new URLSearchParams({ node: `${model.project}/${model.name}@v${v.version}`, direction: 'up' })}`} data-testid="version-lineage-link">
                  Lineage
                </Link>
              </td>
              <td>
                <Link className="font-mono text-xs text-emerald-800 underline" href={`/runs/${encodeURIComponent(v.runId)}`}>
                  {v.runId}
                </Link>
              </td>
              <td className="font-mono text-xs" title={v.record.adapter?.sha256}>{v.record.adapter ? shortSha(v.record.adapter.sha256) : '—'}</td>
              <td className="text-xs">{v.record.ggufs.map((g) => `${g.format} ${formatBytes(g.bytes)}`).join(', ') || '—'}</td>
              <td className="font-mono text-xs">{Object.entries(mergedMetrics(v)).filter(([k]) => !k.includes('.')).map(([k, x]) => `${k} ${x.toFixed(2)}`).join(', ') || 'not evaluated'}</td>
              <td className="text-xs">{v.record.approval?.decisions.filter((d) => d.decision === 'approve').map((d) => d.actor).join(', ') || '—'}</td>
              <td className="font-mono text-xs">
                {v.aliases.join(', ')}
                {v.affected?.length ? <AffectedMarks marks={v.affected} production={v.aliases.includes('production')} /> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <TakeItHome model={model} />
      <section className="space-y-2">
        <h2 className="text-sm font-semibold">Model cards</h2>
        {model.versions.map((v, i) => (
          <details key={v.id} open={i === 0} data-testid="model-card-version" data-version={v.version}>
            <summary className="cursor-pointer text-sm">v{v.version}</summary>
            {v.record.ggufs.length > 0 && <Playground project={model.project} model={model.name} version={v.version} formats={[...v.record.ggufs].sort((a, b) => a.bytes - b.bytes).map((g) => g.format)} />}
            <ModelCardView card={modelCard(model, v)} markdownHref={`/api/v1/models/${encodeURIComponent(model.name)}/versions/${v.version}/card?project=${encodeURIComponent(model.project)}`} />
          </details>
        ))}
      </section>
      <section>
        <h2 className="mb-1 text-sm font-semibold">Alias history</h2>
        <ol className="space-y-0.5 text-xs" data-testid="alias-history">
          {[...model.history].reverse().map((e, i) => (
            <li key={i} className="font-mono">
              {formatTimestamp(e.at)} {e.alias}: {e.action} {e.fromVersion === null ? '' : `v${e.fromVersion} `}→ v{e.toVersion} by {e.actor}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

function Aliases({ model }: { model: ModelDetail }) {
  const queryClient = useQueryClient();
  const { data: me } = useMe();
  const notAllowed = whyNot(me, 'model.rollback', 'roll aliases back', model.project);
  const rollback = useMutation({
    mutationFn: (alias: string) => rollbackModel(model.project, model.name, alias),
    onSuccess: ({ model: after }) => queryClient.setQueryData(['model', model.project, model.name], after),
  });
  return (
    <div className="flex flex-wrap items-center gap-3 text-sm">
      {Object.entries(model.aliases).map(([alias, version]) => (
        <span key={alias} data-testid="model-alias" data-alias={alias} className="inline-flex items-center gap-2 rounded border border-slate-200 bg-white px-2 py-1">
          <span className="font-mono">
            {alias} → v{version}
          </span>
          {model.affectedAliases?.includes(alias) && <AffectedBadge production={alias === 'production'} />}
          <button type="button" className={buttonClasses.secondary} disabled={Boolean(notAllowed) || rollback.isPending} title={notAllowed ?? 'move it back to the version it held before'} onClick={() => rollback.mutate(alias)}>
            Roll back
          </button>
        </span>
      ))}
      {rollback.isError && (
        <span role="alert" className="text-red-700">
          {rollback.error.message}
        </span>
      )}
    </div>
  );
}

/** The badge on an alias or version that an erasure request concerns (red on production). */
function AffectedBadge({ production, title }: { production: boolean; title?: string }) {
  return (
    <span data-testid="affected-badge" title={title ?? 'an erasure request concerns data this version was trained on'} className={`rounded px-1.5 py-0.5 text-xs font-semibold ${production ? 'bg-red-600 text-white' : 'bg-amber-100 text-amber-900'}`}>
      affected
    </span>
  );
}

function AffectedMarks({ marks, production }: { marks: NonNullable<ModelDetail['versions'][number]['affected']>; production: boolean }) {
  const title = marks.map((m) => `${m.reference}${m.reason ? ` — ${m.reason}` : ''} (by ${m.actor}, ${m.at.slice(0, 10)})`).join('\n');
  return (
    <span className="ml-2 inline-flex items-center gap-1" data-testid="version-affected">
      <AffectedBadge production={production} title={title} />
      <span className="text-slate-500">{marks.length === 1 ? '1 erasure request' : `${marks.length} erasure requests`}</span>
    </span>
  );
}
