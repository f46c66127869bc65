import { shortSha, type LineageEdge, type LineageGraph, type LineageNode } from '@refinery/core';
import { bold, dim, status } from './format';

/**
 * The lineage graph as an indented tree for the terminal: upstream ("where it came from") and/or
 * downstream ("what was made from it") of the start. With several start nodes (a run's
 * artifacts, or every artifact with one sha256), the upstream tree grows from those no other start
 * node is made from, the downstream tree from those made from no other start node. A node reached
 * twice is printed once in full; later mentions say "(shown above)". Runs are listed once at the
 * top rather than under every stage (every stage is part of its run).
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
  const starts = graph.start.filter((id) => nodes.has(id));
  for (const section of sections) {
    // A start node reachable from another one in this direction is printed inside that one's tree.
    const inside = new Set(starts.flatMap((id) => [...reachable(id, section.next)].filter((r) => r !== id)));
    const roots = starts.filter((id) => !inside.has(id));
    lines.push('', bold(section.title));
    const shown = new Set<string>();
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
    for (const root of roots) {
      lines.push(`${describe(nodes.get(root)!)}${shown.has(root) ? dim(' (shown above)') : ''}`);
      if (shown.has(root)) continue;
      shown.add(root);
      walk(root, '');
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

function reachable(from: string, next: Map<string, { id: string }[]>): Set<string> {
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length) for (const n of next.get(queue.shift()!) ?? []) if (!seen.has(n.id)) (seen.add(n.id), queue.push(n.id));
  return seen;
}

function groupBy<T, V>(items: T[], key: (t: T) => string, value: (t: T) => V): Map<string, V[]> {
  const map = new Map<string, V[]>();
  for (const item of items) {
    const k = key(item);
    map.set(k, [...(map.get(k) ?? []), value(item)]);
  }
  return map;
}
