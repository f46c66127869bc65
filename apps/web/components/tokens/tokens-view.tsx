'use client';

import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { CreatedToken } from '@refinery/core';
import { Card, EmptyState, ErrorBanner } from '@/components/ui';
import { listTokens } from '@/lib/client/api';
import { CreateTokenForm } from './create-token-form';
import { TokenSecret } from './token-secret';
import { TokensTable } from './tokens-table';

/** API tokens for the CLI and CI: create one (its secret is shown once), list and revoke. */
export function TokensView() {
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: listTokens });
  const [created, setCreated] = useState<CreatedToken | null>(null);

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">API tokens</h1>
        <p className="text-sm text-slate-500">
          For the CLI and CI: send one as <code className="font-mono text-xs">Authorization: Bearer rfy_…</code>. A token acts in one project, with a role no higher
          than yours there, and stops working if you lose that role.
        </p>
      </div>

      {created && <TokenSecret token={created} onDismiss={() => setCreated(null)} />}
      <CreateTokenForm onCreated={setCreated} />

      {tokens.isError && <ErrorBanner testId="tokens-load-error" title="Could not load tokens" message={tokens.error.message} />}
      <Card title="Tokens">
        {tokens.isPending ? (
          <EmptyState>Loading tokens…</EmptyState>
        ) : !tokens.data?.length ? (
          <EmptyState>No tokens yet.</EmptyState>
        ) : (
          <TokensTable tokens={tokens.data} now={tokens.dataUpdatedAt || Date.now()} />
        )}
      </Card>
    </div>
  );
}
