import { shortSha, type LineageEdge, type LineageGraph, type LineageNode } from '@refinery/core';
import { bold, dim, status } from './format';

/**
 * The lineage graph as an indented tree for the terminal: from each start node, upstream
 * ("where it came from") and/or downstream ("what was made from it"). A node reached twice is
 * printed once in full; later mentions say "(shown above)". Runs are listed once at the top
 * rather than under every stage (every stage is part of its run).
 */
export function lineageTree(graph: LineageGraph): string {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const flow = graph.edges.filter((e) => e.type !== 'part_of');
  const upstreamOf = groupBy(flow, (e) => e.to, (e) => ({ id: e.from, edge: e }));
  const downstreamOf = groupBy(flow, (e) => e.from, (e) => ({ id: e.to, edge: e }));
  const lines: string[] = [];
  const runs = graph.nodes.filter((n) => n.type === 'run');
  if (runs.length) lines.push(...runs.map((r) => `${bold('run')} ${r.label} ${dim(`${r.type === 'run' ? r.runId : ''} [${r.project}]`)} ${r.type === 'run' ? status(r.status) : ''}`.trimEnd()));
  const sections: { title: string; next: Map<string, { id: string; edge: LineageEdge }[]> }[] = [];
  if (graph.direction !== 'down') sections.push({ title: 'upstream (where it came from)', next: upstreamOf });
  if (graph.direction !== 'up') sections.push({ title: 'downstream (what was made from it)', next: downstreamOf });
  for (const startId of graph.start) {
    const start = nodes.get(startId);
    if (!start) continue;
    for (const section of sections) {
      lines.push('', `${bold(section.title)}`, describe(start));
      const shown = new Set([startId]);
      const walk = (id: string, prefix: string) => {
        const children = (section.next.get(id) ?? []).filter((c) => nodes.has(c.id));
        children.forEach((c, i) => {
          const last = i === children.length - 1;
          const node = nodes.get(c.id)!;
          const via = dim(`(${c.edge.type}${c.edge.relation ? ` ${c.edge.relation}` : ''})`);
          const again = shown.has(c.id);
          lines.push(`${prefix}${last ? '└─ ' : '├─ '}${describe(node)} ${via}${again ? dim(' (shown above)') : ''}`);
          if (again) return;
          shown.add(c.id);
          walk(c.id, `${prefix}${last ? '   ' : '│  '}`);
        });
      };
      walk(startId, '');
    }
  }
  lines.push('', dim(`${graph.nodes.length} nodes, ${graph.edges.length} edges (direction ${graph.direction}, depth ${graph.depth})`));
  return lines.join('\n').replace(/^\n/, '');
}

/** One node: its type, label and the id to pass to other commands. */
function describe(n: LineageNode): string {
  const type = n.type.padEnd(8);
  switch (n.type) {
    case 'artifact':
      return `${type} ${bold(n.kind)} ${shortSha(n.sha256)} ${dim(n.artifactId)}`;
    case 'stage':
      return `${type} ${n.stage} ${status(n.status)}${n.attempts > 1 ? dim(` (${n.attempts} attempts)`) : ''}`;
    case 'approval':
      return `${type} ${status(n.outcome)}${n.decisions.length ? ` ${n.decisions.map((d) => `${d.decision} by ${d.actor}`).join(', ')}` : ''}`;
    case 'version':
      return `${type} ${bold(`${n.project}/${n.model}@v${n.version}`)}${n.aliases.length ? ` ${dim(`(${n.aliases.join(', ')})`)}` : ''}`;
    case 'run':
      return `${type} ${n.label} ${dim(n.runId)}`;
  }
}

function groupBy<T, V>(items: T[], key: (t: T) => string, value: (t: T) => V): Map<string, V[]> {
  const map = new Map<string, V[]>();
  for (const item of items) {
    const k = key(item);
    map.set(k, [...(map.get(k) ?? []), value(item)]);
  }
  return map;
}
