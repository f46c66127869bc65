import { describe, expect, it } from 'vitest';
import type { LineageGraph } from '@refinery/core';
import { lineageTree } from '../src/lineage-tree';

const sha = (c: string) => c.repeat(64);
const art = (id: string, kind: string, c: string, depth: number) =>
  ({ type: 'artifact', id: `artifact:${id}`, label: kind, project: 'demo', href: `/api/v1/artifacts/${id}/content`, depth, artifactId: id, kind, sha256: sha(c), bytes: 1, runId: 'run_1', stage: 's' }) as const;
const stage = (name: string) => ({ type: 'stage', id: `stage:run_1:${name}`, label: name, project: 'demo', href: '', depth: null, runId: 'run_1', stage: name, status: 'succeeded', attempts: 1 }) as const;

// raw → redact → redacted → split → train/eval splits (a diamond through the split stage).
const graph: LineageGraph = {
  start: ['artifact:raw'],
  direction: 'both',
  depth: 5,
  nodes: [
    { type: 'run', id: 'run:run_1', label: 'demo-run', project: 'demo', href: '/runs/run_1', depth: null, runId: 'run_1', name: 'demo-run', status: 'succeeded' },
    art('raw', 'raw_dataset', 'a', 0),
    art('red', 'redacted_dataset', 'b', 1),
    art('tr', 'train_split', 'c', 2),
    art('ev', 'eval_split', 'd', 2),
    stage('ingest'),
    stage('redact'),
    stage('split'),
  ],
  edges: [
    { from: 'stage:run_1:ingest', to: 'artifact:raw', type: 'produced', relation: null },
    { from: 'artifact:raw', to: 'stage:run_1:redact', type: 'consumed', relation: 'redacted_from' },
    { from: 'stage:run_1:redact', to: 'artifact:red', type: 'produced', relation: null },
    { from: 'artifact:red', to: 'stage:run_1:split', type: 'consumed', relation: 'train_split_of' },
    { from: 'stage:run_1:split', to: 'artifact:tr', type: 'produced', relation: null },
    { from: 'stage:run_1:split', to: 'artifact:ev', type: 'produced', relation: null },
    { from: 'stage:run_1:split', to: 'run:run_1', type: 'part_of', relation: null },
  ],
};

describe('lineage tree', () => {
  it('prints upstream and downstream from the start node, indented, with types and short sha256s', () => {
    const lines = lineageTree(graph).split('\n');
    expect(lines[0]).toBe('run demo-run run_1 [demo] succeeded');
    const up = lines.indexOf('upstream (where it came from)');
    const down = lines.indexOf('downstream (what was made from it)');
    expect(up).toBeGreaterThan(0);
    expect(down).toBeGreaterThan(up);
    expect(lines[up + 1]).toBe(`artifact raw_dataset ${'a'.repeat(12)} raw`);
    expect(lines[up + 2]).toBe('└─ stage    ingest succeeded (produced)');
    expect(lines.slice(down + 1, down + 6)).toEqual([
      `artifact raw_dataset ${'a'.repeat(12)} raw`,
      '└─ stage    redact succeeded (consumed redacted_from)',
      `   └─ artifact redacted_dataset ${'b'.repeat(12)} red (produced)`,
      '      └─ stage    split succeeded (consumed train_split_of)',
      `         ├─ artifact train_split ${'c'.repeat(12)} tr (produced)`,
    ]);
    expect(lines[down + 6]).toBe(`         └─ artifact eval_split ${'d'.repeat(12)} ev (produced)`);
    // part_of edges are not branches of the tree (the run is listed once at the top).
    expect(lines.filter((l) => l.includes('run_1') && l.includes('run ')).length).toBe(1);
    expect(lines.at(-1)).toBe('8 nodes, 7 edges (direction both, depth 5)');
  });

  it('prints a node reached twice once, then says so', () => {
    const diamond: LineageGraph = {
      ...graph,
      start: ['artifact:red'],
      direction: 'down',
      edges: [...graph.edges, { from: 'artifact:red', to: 'stage:run_1:split', type: 'consumed', relation: 'eval_split_of' }],
    };
    const text = lineageTree(diamond);
    expect(text).not.toContain('upstream');
    expect(text.match(/stage {4}split succeeded \(consumed eval_split_of\) \(shown above\)/g)).toHaveLength(1);
  });

  it('with several start nodes (a run), grows each tree from the start nodes the others lead to', () => {
    const run: LineageGraph = { ...graph, start: ['artifact:raw', 'artifact:red', 'artifact:tr', 'artifact:ev'], direction: 'up' };
    const lines = lineageTree(run).split('\n');
    const roots = lines.filter((l) => l.startsWith('artifact'));
    expect(roots).toEqual([`artifact train_split ${'c'.repeat(12)} tr`, `artifact eval_split ${'d'.repeat(12)} ev`]);
    expect(lines.filter((l) => l.includes('raw_dataset'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('split succeeded (produced) (shown above)'))).toHaveLength(1);
  });
});
