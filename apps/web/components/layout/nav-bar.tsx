'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { HealthIndicator } from './health-indicator';

const LINKS = [
  { href: '/', label: 'Runs', isActive: (p: string) => p === '/' || (p.startsWith('/runs/') && p !== '/runs/new') },
  { href: '/runs/new', label: 'New run', isActive: (p: string) => p === '/runs/new' },
  { href: '/docs', label: 'API docs', isActive: (p: string) => p.startsWith('/docs') },
];

export function NavBar() {
  const pathname = usePathname() ?? '/';
  return (
    <header className="border-b border-slate-800 bg-slate-900 text-slate-100">
      <nav aria-label="Main" className="mx-auto flex h-12 max-w-7xl items-center gap-6 px-4">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <span aria-hidden className="grid h-6 w-6 place-items-center rounded bg-emerald-500 text-xs font-bold text-slate-900">R</span>
          Refinery
        </Link>
        <ul className="flex items-center gap-1 text-sm">
          {LINKS.map((link) => {
            const active = link.isActive(pathname);
            return (
              <li key={link.href}>
                <Link
                  href={link.href}
                  aria-current={active ? 'page' : undefined}
                  data-testid={`nav-${link.label.toLowerCase().replace(/\s+/g, '-')}`}
                  className={`rounded px-3 py-1.5 ${active ? 'bg-slate-700 text-white' : 'text-slate-300 hover:bg-slate-800 hover:text-white'}`}
                >
                  {link.label}
                </Link>
              </li>
            );
          })}
        </ul>
        <div className="ml-auto">
          <HealthIndicator />
        </div>
      </nav>
    </header>
  );
}
