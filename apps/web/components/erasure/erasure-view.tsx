'use client';

import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ErasureImpact, ErasureMarkResult, ErasureReference } from '@refinery/core';
import { formatErasureReference, parseErasureReference } from '@refinery/core/workflow-safe';
import { buttonClasses, Card, ErrorBanner, fieldClasses } from '@/components/ui';
import { erasureImpact, markErasure } from '@/lib/client/api';
import { formatBytes, formatTimestamp } from '@/lib/client/format';
import { mayIn, useMe, whyNot } from '@/lib/client/use-me';

/** sha256 (hex) of the text's UTF-8 bytes: the record hash `refinery erasure hash --record` computes. */
async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Erasure requests, for project admins (data.erase): a reference (dataset or artifact sha256, source
 * URI, artifact id, or a record's content hash) → every run and registry version built from it,
 * a warning when production is among them, and marking those versions affected with a reason.
 */
export function ErasureView() {
  const { data: me } = useMe();
  const projects = (me?.projects ?? []).filter((p) => mayIn(me, p.id, 'data.erase'));
  const [project, setProject] = useState('');
  const [text, setText] = useState('');
  const [record, setRecord] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const chosen = project || projects[0]?.id || '';

  const impact = useMutation({ mutationFn: (q: { project: string; reference: ErasureReference }) => erasureImpact(q) });
  const mark = useMutation({
    mutationFn: (q: { project: string; reference: ErasureReference; reason: string }) => markErasure(q),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['model'] });
      void queryClient.invalidateQueries({ queryKey: ['models'] });
    },
  });

  if (!me) return <p className="text-sm text-slate-500">Loading…</p>;
  if (projects.length === 0) {
    return (
      <div className="space-y-3" data-testid="erasure-view">
        <h1 className="text-lg font-semibold">Erasure requests</h1>
        <ErrorBanner title="Not available to you" message={whyNot(me, 'data.erase', 'handle erasure requests') ?? 'You cannot handle erasure requests.'} />
      </div>
    );
  }

  const reference = (): ErasureReference | null => {
    try {
      setProblem(null);
      return parseErasureReference(text);
    } catch (err) {
      setProblem((err as Error).message);
      return null;
    }
  };
  const find = (e: FormEvent) => {
    e.preventDefault();
    const ref = reference();
    if (ref) {
      mark.reset();
      impact.mutate({ project: chosen, reference: ref });
    }
  };
  // A line end copied with the line is not part of the record.
  const line = record.replace(/\r?\n$/, '');
  const hashRecord = async () => setText(`record:${await sha256Hex(line)}`);
  const shown: ErasureImpact | undefined = mark.data?.impact ?? impact.data;

  return (
    <div className="max-w-6xl space-y-5" data-testid="erasure-view">
      <div>
        <h1 className="text-lg font-semibold">Erasure requests</h1>
        <p className="text-sm text-slate-600">
          Find every run and model version built from some data, then mark those versions affected. Marking deletes nothing and moves no alias: you decide what to roll back or retrain. A record hash is searched in every raw dataset of the project, so it reads all of the project&apos;s data.
        </p>
      </div>
      <form onSubmit={find} className="flex flex-wrap items-end gap-3" aria-label="Find the impact">
        <label className="flex flex-col text-xs font-medium text-slate-600">
          Project
          <select className={fieldClasses.select} value={chosen} onChange={(e) => setProject(e.target.value)} data-testid="erasure-project">
            {projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.id}
              </option>
            ))}
          </select>
        </label>
        <label className="flex min-w-[32rem] flex-1 flex-col text-xs font-medium text-slate-600">
          Reference
          <input
            className={`${fieldClasses.input} font-mono`}
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="sha256:<hex> · record:<hex> · file://… s3://… object://… · art_…"
            data-testid="erasure-reference"
          />
        </label>
        <button type="submit" className={buttonClasses.primary} disabled={!text.trim() || impact.isPending} data-testid="erasure-find">
          {impact.isPending ? 'Searching…' : 'Find impact'}
        </button>
      </form>
      <details className="text-sm">
        <summary className="cursor-pointer text-slate-600">Hash a record (the line exactly as stored in the dataset)</summary>
        <div className="mt-2 flex items-start gap-2">
          <textarea className={`${fieldClasses.input} h-20 flex-1 font-mono text-xs`} value={record} onChange={(e) => setRecord(e.target.value)} data-testid="erasure-record" placeholder='{"messages": [...]}' />
          <button type="button" className={buttonClasses.secondary} disabled={!line || /[\r\n]/.test(line)} onClick={() => void hashRecord()} title={/[\r\n]/.test(line) ? 'one record is one line: paste a single line' : 'computed in this browser; the record is not sent'}>
            Use its hash
          </button>
        </div>
        <p className="mt-1 text-xs text-slate-500">The hash is computed in your browser (sha256 of the line&apos;s UTF-8 bytes, without its line end); only the hash is sent. Same as <span className="font-mono">refinery erasure hash</span>.</p>
      </details>
      {problem && <ErrorBanner title="Cannot read that reference" message={problem} />}
      {impact.isError && <ErrorBanner title="The impact query failed" message={impact.error.message} />}
      {shown && <ImpactView impact={shown} project={(mark.variables ?? impact.variables)?.project ?? chosen} />}
      {mark.data && <MarkResult result={mark.data} />}
      {shown?.matched && shown.versions.length > 0 && !mark.data && (
        <form
          className="flex flex-wrap items-end gap-3 rounded-lg border border-amber-300 bg-amber-50 p-3"
          aria-label="Mark the versions affected"
          onSubmit={(e) => {
            e.preventDefault();
            mark.mutate({ project: chosen, reference: shown.reference, reason });
          }}
        >
          <label className="flex flex-1 flex-col text-xs font-medium text-slate-700">
            Reason (a ticket number; project members see it, so not the person&apos;s details)
            <input className={fieldClasses.input} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="erasure-reason" maxLength={500} />
          </label>
          <button type="submit" className={buttonClasses.danger} disabled={!reason.trim() || mark.isPending} data-testid="erasure-mark">
            Mark {shown.versions.length} version{shown.versions.length === 1 ? '' : 's'} affected
          </button>
        </form>
      )}
      {mark.isError && <ErrorBanner title="Marking failed" message={mark.error.message} />}
    </div>
  );
}

function ImpactView({ impact, project }: { impact: ErasureImpact; project: string }) {
  return (
    <div className="space-y-4" data-testid="erasure-impact" data-matched={impact.matched}>
      <p className={`text-sm ${impact.matched ? 'text-slate-800' : 'text-slate-600'}`} data-testid="erasure-message">
        {impact.message}
      </p>
      {impact.productionAffected && (
        <p role="alert" data-testid="erasure-production" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm font-semibold text-red-800">
          Production is affected: a production alias points at a version built from this data.
        </p>
      )}
      {impact.scan && (
        <p className="text-xs text-slate-500">
          Searched {impact.scan.datasets} raw dataset(s), {impact.scan.lines} lines, {formatBytes(impact.scan.bytes)} in {impact.scan.seconds.toFixed(1)} s
          {impact.scan.unreadable.length > 0 && `; ${impact.scan.unreadable.length} missing from the object store were not searched`}.
        </p>
      )}
      {impact.datasets.length > 0 && (
        <Card title={`Matched (${impact.datasets.length})`}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Artifact</th>
                <th scope="col">Kind</th>
                <th scope="col">Run</th>
                <th scope="col">Source</th>
                {impact.reference.type === 'record_hash' && <th scope="col">Lines</th>}
              </tr>
            </thead>
            <tbody>
              {impact.datasets.map((d) => (
                <tr key={d.artifactId}>
                  <td className="font-mono text-xs" title={d.sha256}>{d.artifactId}</td>
                  <td className="text-xs">{d.kind}</td>
                  <td className="font-mono text-xs">
                    <Link className="text-emerald-800 underline" href={`/runs/${encodeURIComponent(d.runId)}`}>{d.runId}</Link>
                  </td>
                  <td className="font-mono text-xs">{d.source ?? '—'}</td>
                  {impact.reference.type === 'record_hash' && <td className="font-mono text-xs">{d.lines?.join(', ')}{d.occurrences && d.lines && d.occurrences > d.lines.length ? ` (+${d.occurrences - d.lines.length})` : ''}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      {impact.matched && (
        <Card title={`Runs downstream (${impact.runs.length})`}>
          <ul className="divide-y divide-slate-100 text-sm" data-testid="erasure-runs">
            {impact.runs.map((r) => (
              <li key={r.id} className="flex gap-3 px-4 py-1.5">
                <Link className="font-mono text-xs text-emerald-800 underline" href={`/runs/${encodeURIComponent(r.id)}`}>{r.id}</Link>
                <span>{r.name}</span>
                <span className="text-slate-500">{r.status}</span>
                <span className="text-slate-500">{formatTimestamp(r.createdAt)}</span>
              </li>
            ))}
          </ul>
        </Card>
      )}
      {impact.matched && (
        <Card title={`Model versions (${impact.versions.length})`}>
          {impact.versions.length === 0 ? (
            <p className="px-4 py-3 text-sm text-slate-600">No run downstream registered a model version.</p>
          ) : (
            <table className="data-table" data-testid="erasure-versions">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Version</th>
                  <th scope="col">Aliases</th>
                  <th scope="col">Marks</th>
                </tr>
              </thead>
              <tbody>
                {impact.versions.map((v) => (
                  <tr key={v.versionId} data-testid="erasure-version" data-model={v.model} data-version={v.version}>
                    <td>
                      <Link className="font-mono text-emerald-800 underline" href={`/models/${encodeURIComponent(project)}/${encodeURIComponent(v.model)}`}>{v.model}</Link>
                    </td>
                    <td className="font-mono">v{v.version}</td>
                    <td className="font-mono text-xs">
                      {v.aliases.map((a) => (
                        <span key={a} className={`mr-1 rounded px-1.5 py-0.5 ${a === 'production' ? 'bg-red-600 text-white' : 'bg-slate-100'}`}>{a}</span>
                      ))}
                    </td>
                    <td className="text-xs">{v.affected.length ? v.affected.map((m) => `${m.reference}${m.reason ? ` — ${m.reason}` : ''}`).join('; ') : 'not marked'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      )}
      {!impact.matched && <p className="text-sm text-slate-500">Nothing to mark for {formatErasureReference(impact.reference)}.</p>}
    </div>
  );
}

function MarkResult({ result }: { result: ErasureMarkResult }) {
  const created = result.marks.filter((m) => m.created).length;
  return (
    <p role="status" data-testid="erasure-marked" className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
      {created} version{created === 1 ? '' : 's'} marked affected
      {result.marks.length > created ? `; ${result.marks.length - created} already carried this request (nothing changed)` : ''}. Recorded in the audit log as <span className="font-mono">erasure.marked</span>.
    </p>
  );
}
