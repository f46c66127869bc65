'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { signOut } from '@/lib/client/auth';
import { useMe } from '@/lib/client/use-me';

const itemClasses = 'block w-full rounded px-3 py-1.5 text-left text-sm text-slate-700 hover:bg-slate-100';

/** The signed-in user, with their tokens, each project's members, and sign-out. */
export function UserMenu() {
  const pathname = usePathname();
  const { data: me, isPending, error } = useMe();
  const [open, setOpen] = useState(false);
  const [signOutError, setSignOutError] = useState<string | null>(null);
  const ref = useRef<HTMLDivElement>(null);

  // Close on navigation, on a click elsewhere, and on Escape.
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onClick = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onClick);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onClick);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  if (isPending) return <span className="text-xs text-slate-400">…</span>;
  if (!me) {
    // Public pages (API docs) render for visitors; elsewhere useMe is already redirecting.
    return error ? (
      <Link href="/sign-in" className="rounded px-3 py-1.5 text-sm text-slate-300 hover:bg-slate-800 hover:text-white" data-testid="nav-sign-in">
        Sign in
      </Link>
    ) : null;
  }

  const doSignOut = async () => {
    setSignOutError(null);
    try {
      await signOut();
      window.location.assign('/sign-in');
    } catch (err) {
      setSignOutError((err as Error).message);
    }
  };

  return (
    <div ref={ref} className="relative">
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="user-menu"
        data-email={me.user.email}
        className="flex items-center gap-2 rounded px-2 py-1 text-left hover:bg-slate-800"
      >
        <span className="flex flex-col leading-tight">
          <span className="text-sm text-white">{me.user.name || me.user.email}</span>
          <span className="text-[11px] text-slate-400">{me.user.email}</span>
        </span>
        {me.user.instanceAdmin && (
          <span
            data-testid="instance-admin-badge"
            title="Instance admin: admin in every project, creates accounts and projects"
            className="rounded bg-amber-400 px-1.5 py-0.5 text-[10px] font-semibold uppercase tracking-wide text-slate-900"
          >
            admin
          </span>
        )}
        <span aria-hidden className="text-xs text-slate-400">
          ▾
        </span>
      </button>
      {open && (
        <div role="menu" data-testid="user-menu-panel" className="absolute right-0 z-20 mt-1 w-72 rounded-md border border-slate-200 bg-white p-1 text-slate-900 shadow-lg">
          <Link role="menuitem" href="/settings/tokens" className={itemClasses} data-testid="user-menu-tokens">
            API tokens
          </Link>
          {me.projects.length > 0 && (
            <>
              <p className="px-3 pb-0.5 pt-2 text-[11px] font-semibold uppercase tracking-wide text-slate-400">Project members</p>
              {me.projects.map((p) => (
                <Link
                  key={p.id}
                  role="menuitem"
                  href={`/projects/${encodeURIComponent(p.id)}/members`}
                  className={`${itemClasses} flex items-center justify-between gap-2`}
                  data-testid="user-menu-members"
                  data-project={p.id}
                >
                  <span className="truncate">{p.name}</span>
                  <span className="shrink-0 font-mono text-xs text-slate-500">{p.role}</span>
                </Link>
              ))}
              <p className="px-3 pb-0.5 pt-2 text-[11px] font-semibold uppercase tracking-wide text-slate-400">Project usage and cost</p>
              {me.projects.map((p) => (
                <Link key={p.id} role="menuitem" href={`/projects/${encodeURIComponent(p.id)}/usage`} className={itemClasses} data-testid="user-menu-usage" data-project={p.id}>
                  <span className="truncate">{p.name}</span>
                </Link>
              ))}
            </>
          )}
          <div className="my-1 border-t border-slate-200" />
          {signOutError && (
            <p role="alert" className="px-3 py-1 text-xs text-red-700">
              {signOutError}
            </p>
          )}
          <button type="button" role="menuitem" onClick={() => void doSignOut()} className={itemClasses} data-testid="sign-out">
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
