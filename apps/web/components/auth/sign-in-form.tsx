'use client';

import { useState, type FormEvent } from 'react';
import { buttonClasses } from '@/components/ui';
import { signInWithPassword, startSso } from '@/lib/client/auth';
import { signInPath } from '@/lib/client/paths';

const inputClasses = 'mt-1 block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm shadow-sm focus:border-emerald-500 focus:outline-none focus:ring-1 focus:ring-emerald-500';

/**
 * Email + password, and SSO when the server has it configured (`ssoName` is then its label).
 * `next` was checked server-side to be a path on this site.
 */
export function SignInForm({ ssoName, next, initialError }: { ssoName: string | null; next: string; initialError: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(initialError);
  const [pending, setPending] = useState<'password' | 'sso' | null>(null);

  const run = async (kind: 'password' | 'sso', action: () => Promise<string>) => {
    setPending(kind);
    setError(null);
    try {
      // A full load: every query starts afresh with the new session.
      window.location.assign(await action());
    } catch (err) {
      setError((err as Error).message);
      setPending(null);
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!pending) void run('password', () => signInWithPassword(email.trim(), password).then(() => next));
  };

  return (
    <div className="space-y-4 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
      <form onSubmit={onSubmit} className="space-y-3" aria-label="Sign in with email and password">
        <label className="block text-sm font-medium text-slate-700">
          Email
          <input
            type="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            className={inputClasses}
            data-testid="sign-in-email"
          />
        </label>
        <label className="block text-sm font-medium text-slate-700">
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            className={inputClasses}
            data-testid="sign-in-password"
          />
        </label>
        {error && (
          <p role="alert" data-testid="sign-in-error" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        )}
        <button type="submit" className={`${buttonClasses.primary} w-full justify-center`} disabled={pending !== null} data-testid="sign-in-submit">
          {pending === 'password' ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {ssoName && (
        <>
          <div className="flex items-center gap-3 text-xs uppercase tracking-wide text-slate-400">
            <span className="h-px flex-1 bg-slate-200" />
            or
            <span className="h-px flex-1 bg-slate-200" />
          </div>
          <button
            type="button"
            className={`${buttonClasses.secondary} w-full justify-center`}
            disabled={pending !== null}
            onClick={() => void run('sso', () => startSso(next, signInPath(next)))}
            data-testid="sign-in-sso"
          >
            {pending === 'sso' ? 'Redirecting…' : `Sign in with ${ssoName}`}
          </button>
        </>
      )}
    </div>
  );
}
