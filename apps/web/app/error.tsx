'use client';

import { ErrorBanner, buttonClasses } from '@/components/ui';

/** Shown when a page fails to render (e.g. the docs page cannot build its document). */
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="space-y-3">
      <ErrorBanner title="This page failed to load" message={error.digest ? `${error.message} (digest ${error.digest}; see the server log)` : error.message} />
      <button type="button" className={buttonClasses.secondary} onClick={reset}>
        Try again
      </button>
    </div>
  );
}
