'use client';

import Link from 'next/link';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import type { LineageNode } from '@refinery/core';
import { formatBytes, shortSha } from '@/lib/client/format';
import { NODE_HEIGHT, NODE_WIDTH, type LineageFlowNode } from './lineage-layout';

/** Colours per node kind, so a reader tells data, work and decisions apart at a glance. */
const STYLE: Record<LineageNode['type'], string> = {
  artifact: 'border-sky-300 bg-sky-50',
  stage: 'border-slate-300 bg-white',
  run: 'border-slate-400 bg-slate-100',
  approval: 'border-violet-300 bg-violet-50',
  version: 'border-emerald-400 bg-emerald-50',
};

function subtitle(n: LineageNode): string {
  switch (n.type) {
    case 'artifact':
      return `${n.stage} · ${formatBytes(n.bytes)}`;
    case 'stage':
      return `${n.status}${n.attempts > 1 ? ` · ${n.attempts} attempts` : ''}`;
    case 'run':
      return `${n.project} · ${n.status}`;
    case 'approval':
      return n.decisions.map((d) => `${d.decision} by ${d.actor}`).join(', ') || 'no decision';
    case 'version':
      return n.aliases.length ? `aliases: ${n.aliases.join(', ')}` : n.project;
  }
}

function title(n: LineageNode): string {
  if (n.type === 'artifact') return `${n.kind} ${shortSha(n.sha256)}`;
  return n.label;
}

/** One node: its kind, name and a link to where it can be looked at (artifacts: the download). */
export function LineageNodeView({ data }: NodeProps<LineageFlowNode>) {
  const n = data.node;
  // Downloads are API responses, not pages: a plain link; everything else is a dashboard page.
  const link =
    n.type === 'artifact' ? (
      <a href={n.href} className="truncate font-medium text-slate-900 underline decoration-slate-300 hover:decoration-slate-700" title={`download ${n.kind} (sha256 ${n.sha256})`} data-testid="lineage-node-link">
        {title(n)}
      </a>
    ) : (
      <Link href={n.href} className="truncate font-medium text-slate-900 underline decoration-slate-300 hover:decoration-slate-700" data-testid="lineage-node-link">
        {title(n)}
      </Link>
    );
  return (
    <div
      className={`flex flex-col justify-center rounded-md border px-2.5 py-1.5 text-xs shadow-sm ${STYLE[n.type]} ${data.start ? 'ring-2 ring-amber-400' : ''}`}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      data-testid="lineage-node"
      data-node-type={n.type}
      data-node-id={n.id}
    >
      <Handle type="target" position={Position.Left} className="!h-1.5 !w-1.5 !bg-slate-400" />
      <span className="text-[10px] font-semibold uppercase tracking-wide text-slate-500">{n.type}</span>
      {link}
      <span className="truncate text-[11px] text-slate-600" title={subtitle(n)}>
        {subtitle(n)}
      </span>
      <Handle type="source" position={Position.Right} className="!h-1.5 !w-1.5 !bg-slate-400" />
    </div>
  );
}
