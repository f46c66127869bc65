'use client';

import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { buttonClasses } from '@/components/ui';
import { cancelRun } from '@/lib/client/api';

/** Cancel with an inline confirmation; the run page's poll then shows it reach `cancelled`. */
export function CancelButton({ runId }: { runId: string }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const mutation = useMutation({
    mutationFn: () => cancelRun(runId),
    onSuccess: (run) => queryClient.setQueryData(['run', runId], run),
    onSettled: () => setConfirming(false),
  });

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
