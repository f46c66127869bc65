import { createReadStream, existsSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { formatErasureReference, parseErasureReference, type ErasureImpact, type ErasureMark, type ErasureMarkResult, type ErasureReference } from '@refinery/core';
import { recordContentHash, recordHashOfLine } from '@refinery/storage/record-hash';
import { authedApi, type GlobalOpts, print } from './auth';
import { UsageError } from './redact';

/** Exit code of `erasure impact` when the reference names nothing in the project. */
export const NO_MATCH_EXIT_CODE = 4;

const REFERENCE_HELP = 'sha256:<hex> or 64 hex (a dataset or artifact), record:<hex> (one record: `refinery erasure hash`), a URI (file://, s3://, object://) or an artifact id (art_...)';

function reference(text: string): ErasureReference {
  try {
    return parseErasureReference(text);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const markText = (m: ErasureMark) => `${m.reference}${m.reason ? ` "${m.reason}"` : ''} by ${m.actor} at ${m.at.slice(0, 19)}`;

/** The impact as people read it: what matched, the runs, the versions (production first in mind). */
export function impactText(i: ErasureImpact): string {
  const lines = [i.message];
  if (i.datasets.length) {
    lines.push('matched:');
    for (const d of i.datasets) {
      const where = d.lines ? `  line${d.lines.length === 1 ? '' : 's'} ${d.lines.join(', ')}${d.occurrences && d.occurrences > d.lines.length ? ` (+${d.occurrences - d.lines.length} more)` : ''}` : '';
      lines.push(`  ${d.artifactId}  ${d.kind}  sha256 ${d.sha256}  run ${d.runId}${d.source ? `  from ${d.source}` : ''}${where}`);
    }
  }
  if (i.scan) lines.push(`searched: ${i.scan.datasets} raw dataset(s), ${i.scan.lines} lines, ${i.scan.bytes} bytes in ${i.scan.seconds.toFixed(1)} s${i.scan.unreadable.length ? `; NOT searched (missing from the object store): ${i.scan.unreadable.join(', ')}` : ''}`);
  if (i.runs.length) {
    lines.push('runs:');
    for (const r of i.runs) lines.push(`  ${r.id}  ${r.name}  ${r.status}  ${r.createdAt.slice(0, 19)}`);
  }
  if (i.versions.length) {
    lines.push('model versions:');
    for (const v of i.versions) {
      lines.push(`  ${v.model} v${v.version}  run ${v.runId}${v.aliases.length ? `  [${v.aliases.join(', ')}]` : ''}${v.affected.length ? `  AFFECTED (${v.affected.length} mark${v.affected.length === 1 ? '' : 's'})` : ''}`);
      for (const m of v.affected) lines.push(`      ${markText(m)}`);
    }
  } else if (i.matched) lines.push('model versions: none (no run downstream registered a version)');
  if (i.productionAffected) lines.push('WARNING: a production alias points at an affected version; decide whether to roll it back or retrain without the data');
  return lines.join('\n');
}

function markResultText(r: ErasureMarkResult): string {
  const created = r.marks.filter((m) => m.created);
  const already = r.marks.filter((m) => !m.created);
  const lines = [
    r.marks.length === 0
      ? `nothing to mark: ${r.impact.message}`
      : `marked ${created.length} version(s) affected by ${r.reference}${already.length ? `; ${already.length} already marked (nothing changed): ${already.map((m) => `${m.model} v${m.version}`).join(', ')}` : ''}`,
    ...created.map((m) => `  ${m.model} v${m.version}`),
  ];
  if (r.impact.productionAffected) lines.push('WARNING: a production alias points at an affected version; marks do not move aliases or delete anything');
  return lines.join('\n');
}

/** `refinery erasure ...`: which runs and model versions a data subject's request concerns, and marking them. */
export function erasureCommand(globals: () => GlobalOpts): Command {
  const erasure = new Command('erasure').description('erasure requests: find every run and model version built from some data, and mark those versions affected (admins: data.erase)');
  const api = () => authedApi(globals);

  erasure
    .command('impact <ref>')
    .description(`every run and registry version downstream of <ref>: ${REFERENCE_HELP}. A record hash is searched in every raw dataset of the project (reads all of its data). Exits ${NO_MATCH_EXIT_CODE} when <ref> matches nothing.`)
    .requiredOption('-p, --project <project>', 'the project')
    .action(async (ref: string, o: { project: string }) => {
      const impact = await api().erasureImpact({ project: o.project, reference: reference(ref) });
      print(globals().json, impact, () => impactText(impact));
      if (!impact.matched) process.exitCode = NO_MATCH_EXIT_CODE;
    });

  erasure
    .command('mark <ref>')
    .description(`mark every registry version downstream of <ref> affected (idempotent, audited): ${REFERENCE_HELP}. Nothing is deleted and no alias moves.`)
    .requiredOption('-p, --project <project>', 'the project')
    .requiredOption('--reason <text>', "why (e.g. a ticket number; project members see it, so not the person's details)")
    .action(async (ref: string, o: { project: string; reason: string }) => {
      const result = await api().markErasure({ project: o.project, reference: reference(ref), reason: o.reason });
      print(globals().json, result, () => markResultText(result));
    });

  erasure
    .command('hash [file]')
    .description('the content hash of one record, as `erasure impact record:<hash>` searches for it: sha256 of the line\'s UTF-8 bytes without its line end (no \\n, no \\r, no byte-order mark). Offline.')
    .option('--line <n>', 'the record on this line (1-based) of <file>', (v) => {
      if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError('a line number, e.g. 12');
      return Number(v);
    })
    .option('--record <text>', 'the record itself, exactly as the line is stored (spacing and key order matter)')
    .action(async (file: string | undefined, o: { line?: number; record?: string }) => {
      let hash: string;
      let from: string;
      if (o.record !== undefined) {
        if (file || o.line) throw new UsageError('give either --record <text>, or <file> --line <n>');
        if (/[\r\n]/.test(o.record)) throw new UsageError('--record is one line: it must not contain a line break');
        hash = recordContentHash(o.record);
        from = '--record';
      } else {
        if (!file || !o.line) throw new UsageError('give <file> --line <n> (or --record <text>)');
        if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
        const found = await recordHashOfLine(createReadStream(file), o.line);
        if (found === null) throw new UsageError(`${file} has fewer than ${o.line} lines`);
        hash = found;
        from = `${file} line ${o.line}`;
      }
      const ref = formatErasureReference({ type: 'record_hash', value: hash });
      print(globals().json, { hash, reference: ref, from }, () => ref);
    });

  return erasure;
}
