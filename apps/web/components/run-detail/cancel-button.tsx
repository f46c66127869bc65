'use client';

import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { buttonClasses } from '@/components/ui';
import { cancelRun } from '@/lib/client/api';
import { useMe, whyNot } from '@/lib/client/use-me';

/**
 * Cancel with an inline confirmation; the run page's poll then shows it reach `cancelled`.
 * Disabled, with the reason, for a role without run.cancel in the run's project.
 */
export function CancelButton({ runId, project }: { runId: string; project: string }) {
  const queryClient = useQueryClient();
  const { data: me } = useMe();
  const notAllowed = whyNot(me, 'run.cancel', 'cancel runs', project);
  const [confirming, setConfirming] = useState(false);
  const mutation = useMutation({
    mutationFn: () => cancelRun(runId),
    onSuccess: (run) => queryClient.setQueryData(['run', runId], run),
    onSettled: () => setConfirming(false),
  });

  if (notAllowed) {
    return (
      // Some browsers give a disabled button no hover, so the wrapper carries the tooltip.
      <span title={notAllowed} className="inline-flex">
        <button type="button" className={`${buttonClasses.danger} pointer-events-none`} disabled aria-describedby="cancel-run-reason" data-testid="cancel-run">
          Cancel run
        </button>
        <span id="cancel-run-reason" className="sr-only">
          {notAllowed}
        </span>
      </span>
    );
  }
  if (mutation.isSuccess) return <span className="text-sm text-slate-500">Cancellation requested…</span>;
  return (
    <div className="flex items-center gap-2">
      {mutation.isError && (
        <span role="alert" className="text-sm text-red-700">
          {mutation.error.message}
        </span>
      )}
      {confirming ? (
        <>
          <span className="text-sm text-slate-600">Stop this run?</span>
          <button type="button" className={buttonClasses.danger} disabled={mutation.isPending} onClick={() => mutation.mutate()} data-testid="cancel-run-confirm">
            {mutation.isPending ? 'Cancelling…' : 'Yes, cancel run'}
          </button>
          <button type="button" className={buttonClasses.secondary} onClick={() => setConfirming(false)}>
            Keep running
          </button>
        </>
      ) : (
        <button type="button" className={buttonClasses.danger} onClick={() => setConfirming(true)} data-testid="cancel-run">
          Cancel run
        </button>
      )}
    </div>
  );
}
