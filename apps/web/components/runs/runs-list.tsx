'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useMemo, useState } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Card, EmptyState, ErrorBanner, buttonClasses } from '@/components/ui';
import { listRuns, type RunListFilter } from '@/lib/client/api';
import { LIVE_REFRESH_MS } from '@/lib/client/run-status';
import { useMe, whyNot } from '@/lib/client/use-me';
import { RunsFilters } from './runs-filters';
import { RunsTable } from './runs-table';

const PAGE_SIZE = 25;

/**
 * The runs list, polled every LIVE_REFRESH_MS. Each poll refetches the loaded pages in order,
 * so "Load more" pages stay consistent as new runs push older ones down. Filters live in the URL.
 */
export function RunsList({ initialFilter }: { initialFilter: RunListFilter }) {
  const router = useRouter();
  const { data: me } = useMe();
  // Null until /me answers too: the button shows meanwhile and the API has the last word.
  const cannotSubmit = whyNot(me, 'run.submit', 'submit runs');
  const [filter, setFilter] = useState<RunListFilter>(initialFilter);
  const query = useInfiniteQuery({
    queryKey: ['runs', filter],
    queryFn: ({ pageParam }) => listRuns(filter, pageParam, PAGE_SIZE),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: LIVE_REFRESH_MS,
  });

  const changeFilter = useCallback(
    (next: RunListFilter) => {
      setFilter(next);
      const params = new URLSearchParams();
      if (next.project) params.set('project', next.project);
      if (next.status) params.set('status', next.status);
      router.replace(params.size ? `/?${params}` : '/', { scroll: false });
    },
    [router],
  );

  const runs = useMemo(() => query.data?.pages.flatMap((p) => p.runs) ?? [], [query.data]);
  const knownProjects = useMemo(() => [...new Set(runs.map((r) => r.project))].sort(), [runs]);
  // Re-read the clock on every poll so running durations advance.
  const now = query.dataUpdatedAt || Date.now();

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Runs</h1>
          <p className="text-sm text-slate-500">Fine-tuning runs, newest first. Updates live.</p>
        </div>
        <div className="ml-auto flex flex-wrap items-end gap-4">
          <RunsFilters filter={filter} knownProjects={knownProjects} onChange={changeFilter} />
          {cannotSubmit ? (
            <span aria-disabled="true" title={cannotSubmit} className={`${buttonClasses.primary} cursor-not-allowed opacity-50`} data-testid="new-run-button">
              New run
            </span>
          ) : (
            <Link href="/runs/new" className={buttonClasses.primary} data-testid="new-run-button">
              New run
            </Link>
          )}
        </div>
      </div>

      {query.isError && (
        <ErrorBanner
          testId="runs-error"
          title={runs.length ? 'Live updates paused: the last refresh failed' : 'Could not load runs'}
          message={query.error.message}
        />
      )}

      <Card>
        {query.isPending ? (
          <EmptyState>Loading runs…</EmptyState>
        ) : runs.length === 0 ? (
          <EmptyState>
            {filter.project || filter.status ? 'No runs match these filters.' : 'No runs yet. '}
            {!filter.project && !filter.status && cannotSubmit}
            {!filter.project && !filter.status && !cannotSubmit && (
              <Link href="/runs/new" className="text-emerald-700 underline">
                Submit the first one.
              </Link>
            )}
          </EmptyState>
        ) : (
          <RunsTable runs={runs} now={now} />
        )}
      </Card>

      {query.hasNextPage && (
        <div className="flex justify-center">
          <button
            type="button"
            className={buttonClasses.secondary}
            onClick={() => query.fetchNextPage()}
            disabled={query.isFetchingNextPage}
            data-testid="load-more"
          >
            {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </div>
  );
}
