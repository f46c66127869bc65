import dagre from '@dagrejs/dagre';
import { MarkerType, type Edge, type Node } from '@xyflow/react';
import type { LineageGraph, LineageNode } from '@refinery/core';

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 64;

export type LineageFlowNode = Node<{ node: LineageNode; start: boolean }, 'lineage'>;

/**
 * Positions the graph left to right with dagre (a layered layout: sources on the left, the
 * registry version on the right). A part-of edge (stage → run) is laid out and drawn from the run
 * to the stage, dashed and without an arrow, so the run sits left of its stages instead of
 * pulling lines back across the graph.
 */
export function layoutLineage(graph: LineageGraph): { nodes: LineageFlowNode[]; edges: Edge[] } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 80, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of graph.edges) {
    if (e.type === 'part_of') g.setEdge(e.to, e.from);
    else g.setEdge(e.from, e.to);
  }
  dagre.layout(g);
  const start = new Set(graph.start);
  const nodes: LineageFlowNode[] = graph.nodes.map((n) => {
    const p = g.node(n.id);
    return {
      id: n.id,
      type: 'lineage',
      position: { x: (p?.x ?? 0) - NODE_WIDTH / 2, y: (p?.y ?? 0) - NODE_HEIGHT / 2 },
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      // React Flow gives nodes that are neither selectable nor draggable no pointer events; ours hold links.
      style: { pointerEvents: 'all' },
      data: { node: n, start: start.has(n.id) },
    };
  });
  const edges: Edge[] = graph.edges.map((e, i) => ({
    id: `e${i}`,
    source: e.type === 'part_of' ? e.to : e.from,
    target: e.type === 'part_of' ? e.from : e.to,
    markerEnd: e.type === 'part_of' ? undefined : { type: MarkerType.ArrowClosed, width: 14, height: 14 },
    label: e.type === 'consumed' && e.relation ? e.relation : e.type === 'part_of' ? undefined : e.type,
    animated: false,
    style: e.type === 'part_of' ? { strokeDasharray: '4 4', stroke: '#cbd5e1' } : e.type === 'approved' ? { stroke: '#7c3aed' } : e.type === 'registered' ? { stroke: '#059669' } : { stroke: '#64748b' },
    labelStyle: { fontSize: 10, fill: '#475569' },
    data: { type: e.type },
  }));
  return { nodes, edges };
}
