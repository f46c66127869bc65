'use client';

import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { buttonClasses } from '@/components/ui';
import { decideRun } from '@/lib/client/api';
import { formatTimestamp } from '@/lib/client/format';
import { useMe, whyNot } from '@/lib/client/use-me';
import { GenericMetricsPanel } from './generic-metrics-panel';
import type { StagePanelProps } from './types';

const OUTCOME_TEXT = {
  awaiting: 'Waiting for a decision',
  approved: 'Approved',
  rejected: 'Rejected by a reviewer',
  expired: 'Expired: nobody decided in time',
} as const;

/**
 * The approval stage: what the reviewers are asked (failed gates they must weigh, the evidence's
 * hash), who decided what and why, and, while it waits, the decision form for a reviewer who did
 * not submit the run.
 */
export function ApprovalPanel(props: StagePanelProps<'approval'>) {
  const { report, run } = props;
  if (!report) return <GenericMetricsPanel {...props} />;
  const approvals = report.decisions.filter((d) => d.decision === 'approve').length;
  return (
    <div data-testid="approval-panel" data-outcome={report.outcome} className="space-y-3 px-4 py-3">
      <p className={`text-sm font-medium ${report.outcome === 'approved' ? 'text-emerald-700' : report.outcome === 'awaiting' ? 'text-violet-700' : 'text-red-700'}`}>
        {OUTCOME_TEXT[report.outcome]} · {approvals} of {report.required} approval{report.required > 1 ? 's' : ''}
        {report.outcome === 'awaiting' && <span className="font-normal text-slate-600"> · expires {formatTimestamp(report.expiresAt)}</span>}
      </p>
      <p className="text-xs text-slate-600">
        Submitted by <span className="font-mono">{report.submittedBy}</span>, who may not decide. Evidence (evaluation and gate results) sha256{' '}
        <span className="font-mono" data-testid="approval-evidence">{report.evidenceSha256}</span>
      </p>
      {report.gateFailures.length > 0 && (
        <div role="alert" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Failed gates for the reviewers to weigh (onFail: review):
          <ul className="ml-4 list-disc">
            {report.gateFailures.map((g) => (
              <li key={g} className="font-mono text-xs">{g}</li>
            ))}
          </ul>
        </div>
      )}
      {report.decisions.length > 0 && (
        <table className="data-table max-w-4xl">
          <thead>
            <tr>
              <th scope="col">Decision</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
              <th scope="col">Comment</th>
            </tr>
          </thead>
          <tbody>
            {report.decisions.map((d) => (
              <tr key={d.actor} data-testid="approval-decision" data-decision={d.decision}>
                <td className={d.decision === 'approve' ? 'text-emerald-700' : 'text-red-700'}>{d.decision}</td>
                <td className="font-mono text-xs">{d.actor}</td>
                <td className="text-xs">{formatTimestamp(d.at)}</td>
                <td className="text-sm">{d.comment}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.outcome === 'awaiting' && run.status === 'awaiting_approval' && <DecisionForm runId={run.id} project={run.project} evidenceSha256={report.evidenceSha256} submittedBy={report.submittedBy} />}
    </div>
  );
}

function DecisionForm({ runId, project, evidenceSha256, submittedBy }: { runId: string; project: string; evidenceSha256: string; submittedBy: string }) {
  const queryClient = useQueryClient();
  const { data: me } = useMe();
  const [comment, setComment] = useState('');
  const mutation = useMutation({
    mutationFn: (decision: 'approve' | 'reject') => decideRun(runId, { decision, comment, evidenceSha256 }),
    onSuccess: ({ run }) => queryClient.setQueryData(['run', runId], run),
  });
  // The submitter first: whatever their role, separation of duties is why they cannot decide.
  const notAllowed =
    (me && `user:${me.user.id}` === submittedBy ? 'You submitted this run: separation of duties needs another reviewer to decide.' : null) ??
    whyNot(me, 'run.approve', 'approve or reject runs', project);
  if (notAllowed) {
    return (
      <p className="text-sm text-slate-600" data-testid="approval-not-allowed">
        {notAllowed}
      </p>
    );
  }
  return (
    <form className="max-w-2xl space-y-2" onSubmit={(e) => e.preventDefault()}>
      <label className="block text-sm font-medium text-slate-700" htmlFor="approval-comment">
        Your decision, with the reason (recorded with the evidence hash above)
      </label>
      <textarea id="approval-comment" data-testid="approval-comment" className="w-full rounded border border-slate-300 px-2 py-1 text-sm" rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
      {mutation.isError && (
        <p role="alert" className="text-sm text-red-700">
          {mutation.error.message}
        </p>
      )}
      <div className="flex gap-2">
        <button type="button" className={buttonClasses.primary} disabled={!comment.trim() || mutation.isPending} onClick={() => mutation.mutate('approve')} data-testid="approve-run">
          Approve
        </button>
        <button type="button" className={buttonClasses.danger} disabled={!comment.trim() || mutation.isPending} onClick={() => mutation.mutate('reject')} data-testid="reject-run">
          Reject
        </button>
      </div>
    </form>
  );
}
