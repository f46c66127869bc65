'use client';

import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AuditVerifyReport, ChainedAuditEvent } from '@refinery/core';
import { buttonClasses, Card, EmptyState, ErrorBanner, fieldClasses } from '@/components/ui';
import { listAuditEvents, takeAuditCheckpoint, verifyAuditChain, type AuditFilter } from '@/lib/client/audit-api';
import { formatCount, formatTimestamp } from '@/lib/client/format';
import { useMe } from '@/lib/client/use-me';

const PAGE_SIZE = 50;

/** datetime-local (the viewer's local time) → ISO 8601, or undefined when empty. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/**
 * The audit log: filters (actor, action or action prefix, project, time range), newest first,
 * paged; instance admins also see the server's verification of the hash chain and its signed
 * checkpoints, and may sign a checkpoint now. Reviewers and project admins see their projects.
 */
export function AuditLog() {
  const { data: me } = useMe();
  const [filter, setFilter] = useState<AuditFilter>({});
  // Cursors of the pages seen so far, for Previous; the last one is the page shown.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const events = useQuery({ queryKey: ['audit-events', filter, cursor], queryFn: () => listAuditEvents(filter, cursor, PAGE_SIZE) });
  const admin = me?.user.instanceAdmin ?? false;
  const readable = me?.projects.filter((p) => admin || p.actions.includes('audit.read')).map((p) => p.id) ?? [];

  const apply = (next: AuditFilter) => {
    setFilter(next);
    setCursors([undefined]);
  };

  return (
    <div className="space-y-4" data-testid="audit-log">
      <div>
        <h1 className="text-lg font-semibold">Audit log</h1>
        <p className="text-sm text-slate-600">
          Every state-changing action, hash-chained: each event stores the SHA-256 of the previous event&apos;s hash and its own canonical JSON, and the database refuses to change or delete
          any. {admin ? 'As an instance admin you see every event.' : readable.length ? `You see the events of ${readable.join(', ')}.` : 'Reading audit events needs the reviewer or admin role in a project.'}
        </p>
      </div>
      {admin ? <VerifyBanner /> : <p className="rounded-md border border-slate-200 bg-slate-50 px-4 py-2 text-sm text-slate-600">Verifying the whole chain is for instance admins: <code>refinery audit verify --email &lt;admin&gt;</code>.</p>}
      <Filters projects={readable} onApply={apply} />
      {events.isError ? (
        <ErrorBanner title="Could not load the audit events" message={events.error.message} />
      ) : (
        <Card
          title={events.isPending ? 'Loading…' : `${events.data.events.length} event${events.data.events.length === 1 ? '' : 's'}${cursors.length > 1 ? ` (page ${cursors.length})` : ''}, newest first`}
          actions={
            <>
              <button type="button" className={buttonClasses.secondary} disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))} data-testid="audit-previous">
                Previous
              </button>
              <button
                type="button"
                className={buttonClasses.secondary}
                disabled={!events.data?.nextCursor}
                onClick={() => events.data?.nextCursor && setCursors((c) => [...c, events.data.nextCursor!])}
                data-testid="audit-next"
              >
                Next
              </button>
            </>
          }
        >
          {events.data && events.data.events.length === 0 ? <EmptyState>No events match.</EmptyState> : <EventsTable events={events.data?.events ?? []} />}
        </Card>
      )}
    </div>
  );
}

function Filters({ projects, onApply }: { projects: string[]; onApply: (f: AuditFilter) => void }) {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [project, setProject] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply({ actor: actor.trim() || undefined, action: action.trim() || undefined, project: project || undefined, from: toIso(from), to: toIso(to) });
  };
  const label = 'flex flex-col gap-1 text-xs font-medium text-slate-600';
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-3" data-testid="audit-filters">
      <label className={label}>
        Actor
        <input className={fieldClasses.input} value={actor} onChange={(e) => setActor(e.target.value)} placeholder="user:… token:… workflow:…" name="actor" />
      </label>
      <label className={label}>
        Action
        <input className={fieldClasses.input} value={action} onChange={(e) => setAction(e.target.value)} placeholder="model.promote, or model." name="action" />
      </label>
      <label className={label}>
        Project
        <select className={fieldClasses.select} value={project} onChange={(e) => setProject(e.target.value)} name="project">
          <option value="">all you may read</option>
          {projects.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label className={label}>
        From
        <input type="datetime-local" step="1" className={fieldClasses.input} value={from} onChange={(e) => setFrom(e.target.value)} name="from" />
      </label>
      <label className={label}>
        To
        <input type="datetime-local" step="1" className={fieldClasses.input} value={to} onChange={(e) => setTo(e.target.value)} name="to" />
      </label>
      <button type="submit" className={buttonClasses.primary} data-testid="audit-apply">
        Apply
      </button>
    </form>
  );
}

function EventsTable({ events }: { events: ChainedAuditEvent[] }) {
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-left text-sm" data-testid="audit-table">
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-3 py-2">Seq</th>
            <th className="px-3 py-2">Time</th>
            <th className="px-3 py-2">Actor</th>
            <th className="px-3 py-2">Action</th>
            <th className="px-3 py-2">Subject</th>
            <th className="px-3 py-2">Project</th>
            <th className="px-3 py-2">Details</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {events.map((e) => (
            <tr key={e.id} data-testid="audit-row" data-seq={e.seq ?? ''} className="align-top">
              <td className="px-3 py-1.5 font-mono text-xs text-slate-500" title={e.hash ? `hash ${e.hash}\nprev ${e.prevHash}` : 'written before chaining began'}>
                {e.seq ?? '—'}
              </td>
              <td className="whitespace-nowrap px-3 py-1.5 text-slate-600" title={e.at}>
                {formatTimestamp(e.at)}
              </td>
              <td className="px-3 py-1.5 font-mono text-xs">{e.actor}</td>
              <td className="px-3 py-1.5 font-medium">{e.action}</td>
              <td className="px-3 py-1.5 font-mono text-xs">
                {e.subjectType}:{e.subjectId}
              </td>
              <td className="px-3 py-1.5">{e.projectId ?? '—'}</td>
              <td className="px-3 py-1.5">
                <Details event={e} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Details({ event }: { event: ChainedAuditEvent }) {
  const parts = [
    ['data', event.data],
    ['before', event.before],
    ['after', event.after],
  ].filter(([, v]) => v !== null && v !== undefined);
  if (parts.length === 0 && !event.requestId) return <span className="text-slate-400">—</span>;
  return (
    <details className="text-xs">
      <summary className="cursor-pointer text-slate-600">{event.requestId ? `request ${event.requestId.slice(0, 12)}…` : 'details'}</summary>
      <pre className="mt-1 max-w-xl whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono">
        {JSON.stringify({ requestId: event.requestId, ...Object.fromEntries(parts) }, null, 2)}
      </pre>
    </details>
  );
}

/** The server's check of the chain (the CLI's `refinery audit verify` is the independent one). */
function VerifyBanner() {
  const queryClient = useQueryClient();
  const verify = useQuery({ queryKey: ['audit-verify'], queryFn: verifyAuditChain });
  const checkpoint = useMutation({
    mutationFn: takeAuditCheckpoint,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['audit-verify'] }),
  });
  if (verify.isPending) return <p className="text-sm text-slate-500">Verifying the hash chain…</p>;
  if (verify.isError) return <ErrorBanner title="Could not verify the audit chain" message={verify.error.message} />;
  const r: AuditVerifyReport = verify.data;
  const tone = r.ok ? 'border-emerald-200 bg-emerald-50 text-emerald-900' : 'border-red-300 bg-red-50 text-red-900';
  return (
    <div role="status" data-testid="audit-verify-banner" data-ok={r.ok} className={`space-y-1 rounded-md border px-4 py-3 text-sm ${tone}`}>
      <p className="font-semibold">
        {r.ok
          ? `Chain verified: ${formatCount(r.verified)} event${r.verified === 1 ? '' : 's'}${r.head ? ` (seq 1..${r.head.seq})` : ''}, every hash recomputed.`
          : r.firstBroken
            ? `Chain broken at seq ${r.firstBroken.seq ?? '—'} (event ${r.firstBroken.id ?? '—'}): ${r.firstBroken.kind.replace(/_/g, ' ')}.`
            : 'A signed checkpoint does not match the chain.'}
      </p>
      {r.firstBroken && <p className="font-mono text-xs">{r.firstBroken.detail}</p>}
      {r.checkpoints.failed.map((f) => (
        <p key={`${f.seq}-${f.at}`} className="font-mono text-xs">
          {f.problem}
        </p>
      ))}
      <p className="text-xs opacity-80">
        {r.legacy > 0 && `${formatCount(r.legacy)} event(s) from before the chain began are not covered. `}
        {r.checkpoints.total
          ? `${r.checkpoints.total} signed checkpoint(s)${r.checkpoints.latest ? `, the latest at seq ${r.checkpoints.latest.seq} on ${formatTimestamp(r.checkpoints.latest.at)} (key ${r.checkpoints.latest.keyId})` : ''}. `
          : 'No signed checkpoint yet. '}
        Checked by the server at {formatTimestamp(r.checkedAt)}; for proof that does not rest on the server, run <code>refinery audit verify</code> with a checkpoint file you keep.
      </p>
      <div className="flex items-center gap-2 pt-1">
        <button type="button" className={buttonClasses.secondary} onClick={() => checkpoint.mutate()} disabled={checkpoint.isPending} data-testid="audit-take-checkpoint">
          {checkpoint.isPending ? 'Signing…' : 'Sign a checkpoint now'}
        </button>
        <a className={buttonClasses.secondary} href="/api/v1/audit/checkpoints" download="audit-checkpoints.json">
          Export checkpoints
        </a>
        <a className={buttonClasses.secondary} href="/api/v1/audit/events?format=jsonl" download="audit-chain.jsonl">
          Export chain (JSONL)
        </a>
        {checkpoint.isError && <span className="text-xs text-red-700">{checkpoint.error.message}</span>}
        {checkpoint.data && <span className="text-xs">signed at seq {checkpoint.data.seq}</span>}
      </div>
    </div>
  );
}
