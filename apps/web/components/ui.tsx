import type { ReactNode } from 'react';

/** Small presentational building blocks shared by the dashboard pages. */

export function Card({ title, actions, children, testId, id }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; testId?: string; id?: string }) {
  return (
    <section id={id} data-testid={testId} className="overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm">
      {(title || actions) && (
        <header className="flex items-center gap-3 border-b border-slate-200 px-4 py-2.5">
          {title && <h2 className="text-sm font-semibold text-slate-800">{title}</h2>}
          {actions && <div className="ml-auto flex items-center gap-2">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function ErrorBanner({ title, message, testId }: { title: string; message: ReactNode; testId?: string }) {
  return (
    <div role="alert" data-testid={testId} className="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
      <p className="font-semibold">{title}</p>
      <div className="mt-0.5 whitespace-pre-wrap break-words">{message}</div>
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="px-4 py-8 text-center text-sm text-slate-500">{children}</p>;
}

export function Stat({ label, value, hint, wrap = false }: { label: string; value: ReactNode; hint?: string; wrap?: boolean }) {
  return (
    <div className="min-w-0" title={hint}>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className={`mt-0.5 font-mono text-sm text-slate-900 ${wrap ? 'break-all' : 'truncate'}`}>{value}</dd>
    </div>
  );
}

export const buttonClasses = {
  primary:
    'inline-flex items-center gap-1.5 rounded-md bg-emerald-600 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-emerald-700 disabled:cursor-not-allowed disabled:opacity-50',
  secondary:
    'inline-flex items-center gap-1.5 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-50',
  danger:
    'inline-flex items-center gap-1.5 rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-700 shadow-sm hover:bg-red-50 disabled:cursor-not-allowed disabled:opacity-50',
};

/** Form fields inside labels styled as small captions; the field resets the caption's font. */
export const fieldClasses = {
  input: 'rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm font-normal text-slate-900 shadow-sm disabled:cursor-not-allowed disabled:opacity-60',
  select: 'rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm font-normal text-slate-900 shadow-sm disabled:cursor-not-allowed disabled:opacity-60',
};

/** A project page's heading: the project as breadcrumb, the title and one line on what the page shows. */
export function ProjectPageHeader({ project, title, children }: { project: string; title: string; children: ReactNode }) {
  return (
    <div>
      <nav aria-label="Breadcrumb" className="text-xs font-medium uppercase tracking-wide text-slate-500">
        Project {project}
      </nav>
      <h1 className="text-xl font-semibold tracking-tight">{title}</h1>
      <p className="mt-1 text-sm text-slate-500">{children}</p>
    </div>
  );
}
