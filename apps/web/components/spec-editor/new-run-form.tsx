'use client';

import { useRouter } from 'next/navigation';
import { useMemo, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { buttonClasses, ErrorBanner } from '@/components/ui';
import { submitRunSpec, type ApiRequestError } from '@/lib/client/api';
import type { RunSummary } from '@refinery/core';
import { placeIssues } from '@/lib/client/spec-issue-lines';
import { useMe, whyNot } from '@/lib/client/use-me';
import { newIdempotencyKey } from './idempotency-key';
import { SpecIssuesList } from './spec-issues-list';
import { useSpecValidation, type SpecValidationState } from './use-spec-validation';
import { YamlEditor } from './yaml-editor';

const EDITOR_ID = 'runspec-editor';
const ISSUES_ID = 'runspec-issues';

/**
 * RunSpec editor with live validation and submission. One Idempotency-Key per form session:
 * a double click or a retry after a lost response returns the same run instead of a second one.
 */
export function NewRunForm({ initialSpec }: { initialSpec: string }) {
  const router = useRouter();
  const [text, setText] = useState(initialSpec);
  const [idempotencyKey] = useState(newIdempotencyKey);
  const validation = useSpecValidation(text);
  // The spec's own project is checked on submit; here only "may submit nowhere" is caught.
  const cannotSubmit = whyNot(useMe().data, 'run.submit', 'submit runs');

  const submit = useMutation<RunSummary, ApiRequestError>({
    mutationFn: () => submitRunSpec(text, idempotencyKey),
    onSuccess: (run) => router.push(`/runs/${run.id}`),
  });

  // Issues from a rejected submission win over the (possibly older) live check.
  const rawIssues = submit.error?.issues.length ? submit.error.issues : validation.state === 'invalid' ? validation.issues : [];
  const issues = useMemo(() => placeIssues(text, rawIssues), [text, rawIssues]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!submit.isPending && !submit.isSuccess) submit.mutate();
  };
  const selectLine = (line: number) => focusLine(EDITOR_ID, text, line);

  return (
    <form onSubmit={onSubmit} className="space-y-3" aria-label="New run">
      <div className="flex items-end justify-between gap-3">
        <label htmlFor={EDITOR_ID} className="text-sm font-medium text-slate-700">
          RunSpec (YAML)
        </label>
        <ValidationStatus validation={validation} />
      </div>
      <YamlEditor
        id={EDITOR_ID}
        value={text}
        onChange={(next) => {
          setText(next);
          if (submit.isError) submit.reset();
        }}
        issues={issues}
        describedBy={issues.length ? ISSUES_ID : undefined}
      />
      {issues.length > 0 && <SpecIssuesList id={ISSUES_ID} issues={issues} onSelectLine={selectLine} />}
      {submit.isError && !submit.error.issues.length && <ErrorBanner testId="submit-error" title="The run was not submitted" message={submit.error.message} />}
      <div className="flex items-center gap-3">
        <button
          type="submit"
          className={buttonClasses.primary}
          disabled={submit.isPending || submit.isSuccess || validation.state === 'invalid' || cannotSubmit !== null}
          title={cannotSubmit ?? undefined}
          data-testid="submit-run"
        >
          {submit.isPending ? 'Submitting…' : submit.isSuccess ? 'Opening run…' : 'Submit run'}
        </button>
        {cannotSubmit ? (
          <span className="text-sm text-slate-500" data-testid="submit-not-allowed">
            {cannotSubmit}
          </span>
        ) : (
          validation.state === 'invalid' && <span className="text-sm text-slate-500">Fix the issues above to submit.</span>
        )}
      </div>
    </form>
  );
}

function ValidationStatus({ validation }: { validation: SpecValidationState }) {
  const view = {
    checking: { text: 'Checking…', cls: 'text-slate-500' },
    valid: { text: '✓ Valid RunSpec', cls: 'text-emerald-700' },
    invalid: { text: `✗ ${validation.state === 'invalid' ? validation.issues.length : 0} issue(s)`, cls: 'text-red-700' },
    unavailable: { text: `Validation unavailable: ${validation.state === 'unavailable' ? validation.message : ''}`, cls: 'text-amber-700' },
  }[validation.state];
  return (
    <span role="status" data-testid="spec-validation" data-state={validation.state} className={`text-sm ${view.cls}`}>
      {view.text}
    </span>
  );
}

/** Moves the caret to the start of a 1-based line and scrolls it into view. */
function focusLine(editorId: string, text: string, line: number) {
  const editor = document.getElementById(editorId) as HTMLTextAreaElement | null;
  if (!editor) return;
  const offset = text.split('\n').slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  editor.focus();
  editor.setSelectionRange(offset, offset);
  const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 24;
  editor.scrollTop = Math.max(0, (line - 3) * lineHeight);
}
