import type { Metadata } from 'next';
import { LINEAGE_DEFAULT_DEPTH, LINEAGE_DIRECTIONS, type LineageDirection } from '@refinery/core/workflow-safe';
import { LineageView } from '@/components/lineage/lineage-view';

export const metadata: Metadata = { title: 'Lineage' };

/** /lineage?node=<ref>&direction=up|down|both&depth=N — the API validates the values and says what is wrong. */
export default async function LineagePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const q = await searchParams;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
  const direction = (LINEAGE_DIRECTIONS as readonly string[]).includes(one(q.direction)) ? (one(q.direction) as LineageDirection) : 'both';
  const depth = Number(one(q.depth)) || LINEAGE_DEFAULT_DEPTH;
  const node = one(q.node);
  return <LineageView key={`${node}|${direction}|${depth}`} node={node} direction={direction} depth={depth} />;
}
