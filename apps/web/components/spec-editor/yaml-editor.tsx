'use client';

import { useRef, type UIEvent } from 'react';
import type { PlacedIssue } from '@/lib/client/spec-issue-lines';

interface YamlEditorProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  issues: PlacedIssue[];
  /** id of the element describing the editor's errors, for screen readers. */
  describedBy?: string;
}

// The gutter, the overlay and the textarea must share exact metrics so lines align.
const TEXT_METRICS = 'font-mono text-[13px] leading-6 [tab-size:2]';
const PADDING = 'px-3 py-2';

/**
 * A plain textarea with a line-number gutter. Lines with validation issues are tinted and
 * their messages are drawn after the line's text, on an overlay that scrolls with the text.
 */
export function YamlEditor({ id, value, onChange, issues, describedBy }: YamlEditorProps) {
  const gutterRef = useRef<HTMLDivElement>(null);
  const overlayRef = useRef<HTMLDivElement>(null);
  const lines = value.split('\n');
  const issuesByLine = new Map<number, PlacedIssue[]>();
  for (const issue of issues) {
    if (issue.line === null) continue;
    const line = Math.min(Math.max(issue.line, 1), lines.length);
    issuesByLine.set(line, [...(issuesByLine.get(line) ?? []), issue]);
  }

  const syncScroll = (e: UIEvent<HTMLTextAreaElement>) => {
    const { scrollTop, scrollLeft } = e.currentTarget;
    if (gutterRef.current) gutterRef.current.style.transform = `translateY(${-scrollTop}px)`;
    if (overlayRef.current) overlayRef.current.style.transform = `translate(${-scrollLeft}px, ${-scrollTop}px)`;
  };

  return (
    <div className="flex h-[28rem] overflow-hidden rounded-md border border-slate-300 bg-white shadow-sm focus-within:border-emerald-500 focus-within:ring-1 focus-within:ring-emerald-500">
      <div aria-hidden className="relative w-12 shrink-0 overflow-hidden border-r border-slate-200 bg-slate-50 text-right text-slate-400 select-none">
        <div ref={gutterRef} className={`${TEXT_METRICS} py-2 pr-2`}>
          {lines.map((_, i) => (
            <div key={i} className={issuesByLine.has(i + 1) ? 'bg-red-100 font-semibold text-red-700' : undefined} data-testid={issuesByLine.has(i + 1) ? 'gutter-error' : undefined}>
              {i + 1}
            </div>
          ))}
        </div>
      </div>
      <div className="relative min-w-0 flex-1">
        <div aria-hidden className="pointer-events-none absolute inset-0 overflow-hidden">
          <div ref={overlayRef} className={`${TEXT_METRICS} ${PADDING} w-max min-w-full whitespace-pre`}>
            {lines.map((line, i) => {
              const lineIssues = issuesByLine.get(i + 1);
              return (
                <div key={i} className={lineIssues ? 'bg-red-50' : undefined}>
                  <span className="text-transparent">{line}</span>
                  {lineIssues && (
                    <span data-testid="spec-issue-inline" data-line={i + 1} className="ml-6 rounded-sm bg-red-100 px-1.5 font-sans text-xs text-red-700">
                      ⚠ {lineIssues.map((x) => x.message).join(' · ')}
                    </span>
                  )}
                </div>
              );
            })}
          </div>
        </div>
        <textarea
          id={id}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onScroll={syncScroll}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          autoCorrect="off"
          wrap="off"
          aria-invalid={issues.length > 0}
          aria-describedby={describedBy}
          data-testid="spec-editor"
          className={`${TEXT_METRICS} ${PADDING} relative h-full w-full resize-none overflow-auto whitespace-pre bg-transparent text-slate-900 caret-slate-900 outline-none`}
        />
      </div>
    </div>
  );
}
