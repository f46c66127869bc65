'use client';

import { useState } from 'react';
import type { CreatedToken } from '@refinery/core';
import { buttonClasses } from '@/components/ui';

/** The new token's secret, once: the server stores only its hash. */
export function TokenSecret({ token, onDismiss }: { token: CreatedToken; onDismiss: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      // Absent outside secure contexts (plain http on a non-localhost address).
      await navigator.clipboard.writeText(token.token);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section data-testid="token-secret-box" aria-label="New token" className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 px-4 py-3">
      <p className="text-sm font-semibold text-amber-900">
        Token “{token.name}” created for {token.project} as {token.role}. Copy it now: it will not be shown again.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <code data-testid="token-secret" className="min-w-0 flex-1 select-all break-all rounded border border-amber-200 bg-white px-2 py-1.5 font-mono text-sm text-slate-900">
          {token.token}
        </code>
        <button type="button" className={buttonClasses.secondary} onClick={() => void copy()} data-testid="token-copy">
          {copied === 'yes' ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className={buttonClasses.secondary} onClick={onDismiss} data-testid="token-secret-dismiss">
          Done
        </button>
      </div>
      {copied === 'failed' && <p className="text-xs text-amber-900">This browser refused the clipboard; select the token and copy it by hand.</p>}
    </section>
  );
}
