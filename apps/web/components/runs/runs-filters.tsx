'use client';

import { useEffect, useState } from 'react';
import type { RunListFilter } from '@/lib/client/api';
import { RUN_STATUSES } from '@refinery/core/workflow-safe';
import { statusLabel } from '@/lib/client/run-status';

const PROJECT_INPUT_DEBOUNCE_MS = 300;

interface RunsFiltersProps {
  filter: RunListFilter;
  knownProjects: string[];
  onChange: (filter: RunListFilter) => void;
}

/** Project (free text, suggestions from loaded runs) and status filters for the runs list. */
export function RunsFilters({ filter, knownProjects, onChange }: RunsFiltersProps) {
  const [project, setProject] = useState(filter.project ?? '');

  // Typing should not refetch on every keystroke.
  useEffect(() => {
    const trimmed = project.trim();
    if (trimmed === (filter.project ?? '')) return;
    const t = setTimeout(() => onChange({ ...filter, project: trimmed || undefined }), PROJECT_INPUT_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [project, filter, onChange]);

  return (
    <form role="search" className="flex flex-wrap items-end gap-3" onSubmit={(e) => e.preventDefault()}>
      <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
        Project
        <input
          type="search"
          list="known-projects"
          value={project}
          onChange={(e) => setProject(e.target.value)}
          placeholder="all projects"
          data-testid="filter-project"
          className="w-48 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm font-normal text-slate-900 shadow-sm"
        />
        <datalist id="known-projects">
          {knownProjects.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
      </label>
      <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
        Status
        <select
          value={filter.status ?? ''}
          onChange={(e) => onChange({ ...filter, status: e.target.value || undefined })}
          data-testid="filter-status"
          className="w-44 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm font-normal text-slate-900 shadow-sm"
        >
          <option value="">all statuses</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
      </label>
      {(filter.project || filter.status) && (
        <button
          type="button"
          onClick={() => {
            setProject('');
            onChange({});
          }}
          className="pb-1.5 text-sm text-slate-500 underline hover:text-slate-800"
        >
          Clear filters
        </button>
      )}
    </form>
  );
}
