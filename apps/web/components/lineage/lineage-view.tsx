'use client';

import '@xyflow/react/dist/style.css';
import { useMemo, useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import { useQuery } from '@tanstack/react-query';
import { Background, Controls, MiniMap, ReactFlow } from '@xyflow/react';
import { LINEAGE_DIRECTIONS, LINEAGE_MAX_DEPTH, LINEAGE_REF_HELP, type LineageDirection } from '@refinery/core/workflow-safe';
import { buttonClasses, ErrorBanner } from '@/components/ui';
import { getLineage } from '@/lib/client/api';
import { layoutLineage } from './lineage-layout';
import { LineageNodeView } from './lineage-node';

const NODE_TYPES = { lineage: LineageNodeView };

const LEGEND: [string, string][] = [
  ['artifact', 'border-sky-300 bg-sky-50'],
  ['stage', 'border-slate-300 bg-white'],
  ['run', 'border-slate-400 bg-slate-100'],
  ['approval', 'border-violet-300 bg-violet-50'],
  ['version', 'border-emerald-400 bg-emerald-50'],
];

/**
 * The lineage view: a start node (artifact sha256 or id, run id, <project>/<model>@v<N>), a
 * direction and a depth in the URL, and the graph the API returns, laid out automatically.
 */
export function LineageView({ node, direction, depth }: { node: string; direction: LineageDirection; depth: number }) {
  const router = useRouter();
  const query = useQuery({ queryKey: ['lineage', node, direction, depth], queryFn: () => getLineage({ node, direction, depth }), enabled: node !== '' });
  const flow = useMemo(() => (query.data ? layoutLineage(query.data) : null), [query.data]);
  const [draft, setDraft] = useState({ node, direction, depth: String(depth) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    router.push(`/lineage?${new URLSearchParams({ node: draft.node.trim(), direction: draft.direction, depth: draft.depth })}`);
  };
  return (
    <div className="space-y-4" data-testid="lineage-view">
      <h1 className="text-lg font-semibold">Lineage</h1>
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3 text-sm" aria-label="Lineage query">
        <label className="flex min-w-[24rem] flex-1 flex-col gap-1">
          <span className="text-xs text-slate-600">Start node</span>
          <input
            name="node"
            value={draft.node}
            onChange={(e) => setDraft({ ...draft, node: e.target.value })}
            placeholder="sha256, art_…, run_… or project/model@v1"
            title={LINEAGE_REF_HELP}
            className="rounded border border-slate-300 px-2 py-1.5 font-mono text-xs"
          />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-xs text-slate-600">Direction</span>
          <select name="direction" value={draft.direction} onChange={(e) => setDraft({ ...draft, direction: e.target.value as LineageDirection })} className="rounded border border-slate-300 px-2 py-1.5">
            {LINEAGE_DIRECTIONS.map((d) => (
              <option key={d} value={d}>
                {d === 'up' ? 'up (where it came from)' : d === 'down' ? 'down (what was made from it)' : 'both'}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-xs text-slate-600">Depth</span>
          <input name="depth" type="number" min={1} max={LINEAGE_MAX_DEPTH} value={draft.depth} onChange={(e) => setDraft({ ...draft, depth: e.target.value })} className="w-20 rounded border border-slate-300 px-2 py-1.5" />
        </label>
        <button type="submit" className={buttonClasses.primary}>
          Show
        </button>
      </form>
      <ul className="flex flex-wrap gap-2 text-xs text-slate-600" aria-label="Legend">
        {LEGEND.map(([type, style]) => (
          <li key={type} className={`rounded border px-2 py-0.5 ${style}`}>
            {type}
          </li>
        ))}
        <li className="rounded px-2 py-0.5 ring-2 ring-amber-400">start</li>
      </ul>
      {node === '' && <p className="text-sm text-slate-500">Name a start node: {LINEAGE_REF_HELP}. The run page and each model version link here.</p>}
      {query.isPending && node !== '' && <p className="text-sm text-slate-500">Loading lineage…</p>}
      {query.isError && <ErrorBanner title="Could not load the lineage" message={query.error.message} testId="lineage-error" />}
      {flow && query.data && (
        <>
          <p className="text-xs text-slate-500" data-testid="lineage-summary">
            {query.data.nodes.length} nodes, {query.data.edges.length} edges · direction {query.data.direction}, depth {query.data.depth}
          </p>
          <div className="h-[70vh] rounded-lg border border-slate-200 bg-white" data-testid="lineage-canvas">
            <ReactFlow
              nodes={flow.nodes}
              edges={flow.edges}
              nodeTypes={NODE_TYPES}
              nodesDraggable={false}
              nodesConnectable={false}
              elementsSelectable={false}
              fitView
              minZoom={0.1}
            >
              <Background />
              <Controls showInteractive={false} />
              <MiniMap pannable zoomable />
            </ReactFlow>
          </div>
        </>
      )}
    </div>
  );
}
