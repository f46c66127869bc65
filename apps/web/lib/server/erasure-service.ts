import { formatErasureReference, type ErasureImpact, type ErasureMarkResult, type ErasureReference } from '@refinery/core';
import { artifactsForReference, downstreamRunIds, impactOfRuns, markVersionsAffected, projectRawDatasets, runsSubmittedWith, storedErasureReference, type MatchedArtifact } from '@refinery/db';
import { findRecordLines, ObjectNotFoundError } from '@refinery/storage';
import type { ServerContext } from './context';
import { HttpError } from './http';

/**
 * Erasure requests (data.erase): what a reference names in a project, every run and registry
 * version downstream of it, and marks on those versions. A record-hash search reads every raw
 * dataset of the project from the object store: O(the project's data) per query.
 */
export async function erasureImpact(ctx: ServerContext, project: string, ref: ErasureReference): Promise<ErasureImpact> {
  const db = ctx.database.db;
  let datasets: MatchedArtifact[];
  let submitted: string[] = [];
  let scan: ErasureImpact['scan'] = null;
  if (ref.type === 'record_hash') ({ datasets, scan } = await searchRecord(ctx, project, ref.value));
  else {
    datasets = await artifactsForReference(db, project, ref);
    if (ref.type === 'uri') submitted = await runsSubmittedWith(db, project, ref.value);
  }
  const runIds = [...new Set([...(await downstreamRunIds(db, datasets.map((d) => d.artifactId))), ...submitted])];
  const impact = await impactOfRuns(db, project, runIds);
  const matched = datasets.length > 0 || submitted.length > 0;
  return { reference: ref, matched, message: describe(ref, project, matched, datasets, impact), datasets, scan, ...impact };
}

/** Reads every distinct raw dataset of the project once, hashing each line. */
async function searchRecord(ctx: ServerContext, project: string, hash: string): Promise<{ datasets: MatchedArtifact[]; scan: NonNullable<ErasureImpact['scan']> }> {
  const started = Date.now();
  const scan = { datasets: 0, bytes: 0, lines: 0, seconds: 0, unreadable: [] as string[] };
  const datasets: MatchedArtifact[] = [];
  for (const dataset of await projectRawDatasets(ctx.database.db, project)) {
    let stream;
    try {
      stream = await ctx.sources.store.get(dataset.sha256);
    } catch (err) {
      if (!(err instanceof ObjectNotFoundError)) throw err;
      scan.unreadable.push(dataset.sha256);
      continue;
    }
    const found = await findRecordLines(stream, hash);
    scan.datasets += 1;
    scan.bytes += found.bytesRead;
    scan.lines += found.linesRead;
    if (found.occurrences > 0) datasets.push(...dataset.artifacts.map((a) => ({ ...a, lines: found.lines, occurrences: found.occurrences })));
  }
  scan.seconds = (Date.now() - started) / 1000;
  return { datasets, scan };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function describe(ref: ErasureReference, project: string, matched: boolean, datasets: MatchedArtifact[], impact: Pick<ErasureImpact, 'runs' | 'versions' | 'productionAffected'>): string {
  const what = formatErasureReference(ref);
  if (!matched) {
    return ref.type === 'record_hash'
      ? `no raw dataset of project ${project} holds a record with hash ${ref.value}; nothing is affected`
      : `${what} matches no dataset or artifact of project ${project}; nothing is affected`;
  }
  const versions = impact.versions.map((v) => `${v.model} v${v.version}${v.aliases.length ? ` [${v.aliases.join(', ')}]` : ''}`).join(', ');
  return (
    `${what} matches ${plural(datasets.length, 'artifact')} of project ${project}; downstream: ${plural(impact.runs.length, 'run')}, ${plural(impact.versions.length, 'model version')}` +
    (versions ? ` (${versions})` : '') +
    (impact.productionAffected ? '; PRODUCTION IS AFFECTED' : '')
  );
}

/** Marks every version downstream of the reference affected (idempotent, audited per new mark). */
export async function markErasure(ctx: ServerContext, project: string, ref: ErasureReference, reason: string, actor: string): Promise<ErasureMarkResult> {
  const db = ctx.database.db;
  const before = await erasureImpact(ctx, project, ref);
  if (!before.matched) throw new HttpError(404, 'no_match', `${before.message}; nothing was marked`);
  const reference = await storedErasureReference(db, project, ref);
  const marks = await markVersionsAffected(db, { projectId: project, versions: before.versions, reference, reason, actor });
  // The versions again, now carrying the marks just made.
  const impact = { ...before, ...(await impactOfRuns(db, project, before.runs.map((r) => r.id))) };
  return { reference, marks, impact };
}
