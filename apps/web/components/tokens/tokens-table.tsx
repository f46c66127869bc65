'use client';

import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ApiToken } from '@refinery/core';
import { ErrorBanner, buttonClasses } from '@/components/ui';
import { revokeToken } from '@/lib/client/api';
import { formatRelative, formatTimestamp } from '@/lib/client/format';

type TokenStatus = 'active' | 'expired' | 'revoked';

const tokenStatus = (t: ApiToken, now: number): TokenStatus => (t.revokedAt ? 'revoked' : Date.parse(t.expiresAt) <= now ? 'expired' : 'active');

const STATUS_CLASSES: Record<TokenStatus, string> = {
  active: 'bg-emerald-100 text-emerald-800',
  expired: 'bg-slate-100 text-slate-600',
  revoked: 'bg-red-100 text-red-800',
};

/** Your tokens, plus everyone's in projects where you manage tokens; active ones can be revoked. */
export function TokensTable({ tokens, now }: { tokens: ApiToken[]; now: number }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<string | null>(null);
  const revoke = useMutation({
    mutationFn: revokeToken,
    onSuccess: (revoked) => {
      queryClient.setQueryData<ApiToken[]>(['tokens'], (list) => list?.map((t) => (t.id === revoked.id ? revoked : t)));
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
    onSettled: () => setConfirming(null),
  });

  return (
    <>
      {revoke.isError && (
        <div className="px-4 pt-3">
          <ErrorBanner testId="token-revoke-error" title="The token was not revoked" message={revoke.error.message} />
        </div>
      )}
      <div className="overflow-x-auto">
        <table className="data-table" data-testid="tokens-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Project</th>
              <th scope="col">Role</th>
              <th scope="col">Owner</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => {
              const status = tokenStatus(t, now);
              return (
                <tr key={t.id} data-testid="token-row" data-token-id={t.id} data-status={status} className="hover:bg-slate-50">
                  <td className="font-medium text-slate-800">{t.name}</td>
                  <td className="whitespace-nowrap font-mono text-xs text-slate-600">{t.prefix}…</td>
                  <td className="text-slate-600">{t.project}</td>
                  <td className="font-mono text-xs text-slate-600">{t.role}</td>
                  <td className="text-slate-600">{t.owner}</td>
                  <td className="whitespace-nowrap text-slate-600">{formatTimestamp(t.expiresAt).slice(0, 10)}</td>
                  <td className="whitespace-nowrap text-slate-600" title={t.lastUsedAt ? formatTimestamp(t.lastUsedAt) : undefined}>
                    {t.lastUsedAt ? formatRelative(t.lastUsedAt, now) : 'never'}
                  </td>
                  <td>
                    <span
                      className={`rounded px-1.5 py-0.5 text-xs font-medium ${STATUS_CLASSES[status]}`}
                      title={t.revokedAt ? `revoked ${formatTimestamp(t.revokedAt)}` : `expire${status === 'expired' ? 'd' : 's'} ${formatTimestamp(t.expiresAt)}`}
                    >
                      {status}
                    </span>
                  </td>
                  <td className="whitespace-nowrap text-right">
                    {status !== 'active' ? null : confirming === t.id ? (
                      <span className="inline-flex items-center gap-2">
                        <span className="text-sm text-slate-600">Revoke?</span>
                        <button type="button" className={buttonClasses.danger} disabled={revoke.isPending} onClick={() => revoke.mutate(t.id)} data-testid="token-revoke-confirm">
                          {revoke.isPending ? 'Revoking…' : 'Yes, revoke'}
                        </button>
                        <button type="button" className={buttonClasses.secondary} disabled={revoke.isPending} onClick={() => setConfirming(null)} data-testid="token-revoke-cancel">
                          Keep
                        </button>
                      </span>
                    ) : (
                      <button
                        type="button"
                        className={buttonClasses.danger}
                        onClick={() => {
                          revoke.reset();
                          setConfirming(t.id);
                        }}
                        data-testid="token-revoke"
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
