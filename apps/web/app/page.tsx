import type { Metadata } from 'next';
import { RunsList } from '@/components/runs/runs-list';

export const metadata: Metadata = { title: 'Runs' };

/** Runs list; filters come from the URL so a filtered view can be shared. */
export default async function RunsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || undefined;
  const filter = { project: first(params.project), status: first(params.status) };
  return <RunsList initialFilter={filter} />;
}
