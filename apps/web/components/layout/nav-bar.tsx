'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { mayAnywhere, useMe, whyNot } from '@/lib/client/use-me';
import { HealthIndicator } from './health-indicator';
import { UserMenu } from './user-menu';

const LINKS = [
  { href: '/', label: 'Runs', isActive: (p: string) => p === '/' || (p.startsWith('/runs/') && p !== '/runs/new') },
  { href: '/runs/new', label: 'New run', isActive: (p: string) => p === '/runs/new' },
  { href: '/approvals', label: 'Approvals', isActive: (p: string) => p.startsWith('/approvals') },
  { href: '/models', label: 'Models', isActive: (p: string) => p.startsWith('/models') },
  { href: '/lineage', label: 'Lineage', isActive: (p: string) => p.startsWith('/lineage') },
  { href: '/erasure', label: 'Erasure', isActive: (p: string) => p.startsWith('/erasure') },
  { href: '/audit', label: 'Audit', isActive: (p: string) => p.startsWith('/audit') },
  { href: '/docs', label: 'API docs', isActive: (p: string) => p.startsWith('/docs') },
];

export function NavBar() {
  const pathname = usePathname() ?? '/';
  // The sign-in page has no user yet: just the brand and the health dot.
  const signingIn = pathname === '/sign-in';
  return (
    <header className="border-b border-slate-800 bg-slate-900 text-slate-100">
      <nav aria-label="Main" className="mx-auto flex h-12 max-w-7xl items-center gap-6 px-4">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <span aria-hidden className="grid h-6 w-6 place-items-center rounded bg-emerald-500 text-xs font-bold text-slate-900">R</span>
          Refinery
        </Link>
        {!signingIn && <NavLinks pathname={pathname} />}
        <div className="ml-auto flex items-center gap-3">
          <HealthIndicator />
          {!signingIn && <UserMenu />}
        </div>
      </nav>
    </header>
  );
}

function NavLinks({ pathname }: { pathname: string }) {
  const { data: me } = useMe();
  // Unknown until /me answers: shown enabled meanwhile, the API refuses anyway.
  const disabledReason = (href: string) => (href === '/runs/new' ? whyNot(me, 'run.submit', 'submit runs') : href === '/erasure' ? whyNot(me, 'data.erase', 'handle erasure requests') : null);
  return (
    <ul className="flex items-center gap-1 text-sm">
      {LINKS.filter((link) => link.href !== '/audit' || mayReadAudit(me)).map((link) => {
        const active = link.isActive(pathname);
        const testId = `nav-${link.label.toLowerCase().replace(/\s+/g, '-')}`;
        const reason = disabledReason(link.href);
        return (
          <li key={link.href}>
            {reason ? (
              <span aria-disabled="true" title={reason} data-testid={testId} className="cursor-not-allowed rounded px-3 py-1.5 text-slate-500">
                {link.label}
              </span>
            ) : (
              <Link
                href={link.href}
                aria-current={active ? 'page' : undefined}
                data-testid={testId}
                className={`rounded px-3 py-1.5 ${active ? 'bg-slate-700 text-white' : 'text-slate-300 hover:bg-slate-800 hover:text-white'}`}
              >
                {link.label}
              </Link>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** The audit page is for instance admins and those with audit.read in a project (shown while /me is unknown). */
const mayReadAudit = (me: ReturnType<typeof useMe>['data']) => !me || me.user.instanceAdmin || mayAnywhere(me, 'audit.read');
