import type { PlacedIssue } from '@/lib/client/spec-issue-lines';

/** Every issue with its field path and line; issues without a line appear only here. */
export function SpecIssuesList({ id, issues, onSelectLine }: { id: string; issues: PlacedIssue[]; onSelectLine: (line: number) => void }) {
  return (
    <ul id={id} data-testid="spec-issues" className="divide-y divide-red-100 rounded-md border border-red-200 bg-red-50 text-sm">
      {issues.map((issue, i) => (
        <li key={`${issue.path}:${i}`} className="flex flex-wrap items-baseline gap-x-3 gap-y-0.5 px-3 py-2">
          {issue.line !== null ? (
            <button type="button" onClick={() => onSelectLine(issue.line!)} className="font-mono text-xs text-red-700 underline hover:text-red-900">
              line {issue.line}
            </button>
          ) : (
            <span className="font-mono text-xs text-red-700">—</span>
          )}
          <code className="font-mono text-xs text-slate-700">{issue.syntax ? 'YAML syntax' : issue.path}</code>
          <span className="text-red-800">{issue.message}</span>
        </li>
      ))}
    </ul>
  );
}
