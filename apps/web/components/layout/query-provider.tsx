'use client';

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { isUnauthenticated, ME_QUERY_KEY } from '@/lib/client/use-me';

/** One QueryClient per browser tab; created in state so server renders never share it. */
export function QueryProvider({ children }: { children: React.ReactNode }) {
  const [client] = useState(() => {
    // Any 401 means the session ended: re-ask /me, whose 401 sends useMe's page to sign-in.
    const onError = (err: unknown, key?: readonly unknown[]) => {
      if (isUnauthenticated(err) && key?.[0] !== ME_QUERY_KEY[0]) void queryClient.invalidateQueries({ queryKey: ME_QUERY_KEY });
    };
    const queryClient: QueryClient = new QueryClient({
      queryCache: new QueryCache({ onError: (err, query) => onError(err, query.queryKey) }),
      mutationCache: new MutationCache({ onError: (err) => onError(err) }),
      defaultOptions: {
        queries: {
          // Live views poll; a failed poll is retried by the next tick rather than in a burst.
          retry: 1,
          refetchOnWindowFocus: true,
        },
      },
    });
    return queryClient;
  });
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
