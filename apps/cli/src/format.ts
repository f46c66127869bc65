import type { RunDetail, RunSummary } from '@refinery/core';

const tty = process.stdout.isTTY;
const paint = (code: string) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = paint('1');
export const dim = paint('2');
const STATUS_COLOR: Record<string, (s: string) => string> = {
  succeeded: paint('32'),
  failed: paint('31'),
  rejected: paint('31'),
  cancelled: paint('33'),
  running: paint('36'),
  queued: paint('2'),
  awaiting_approval: paint('35'),
};
export const status = (s: string) => (STATUS_COLOR[s] ?? ((x: string) => x))(s);

export function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

export function runsTable(runs: RunSummary[]): string {
  const rows = [['ID', 'PROJECT', 'NAME', 'STATUS', 'STAGE', 'CREATED']];
  for (const r of runs) rows.push([r.id, r.project, r.name, r.status, r.currentStage ?? '-', r.createdAt]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row, n) => row.map((cell, i) => (n > 0 && i === 3 ? status(cell) + ' '.repeat(widths[i]! - cell.length) : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

export function runDetail(r: RunDetail): string {
  const lines = [`${bold(r.name)} ${dim(r.id)}`, `project ${r.project}   status ${status(r.status)}${r.error ? `\nerror   ${r.error}` : ''}`, '', bold('stages')];
  for (const s of r.stages) lines.push(`  ${s.stage.padEnd(12)} ${status(s.status).padEnd(tty ? 20 : 10)} ${duration(s.durationMs).padStart(8)}${s.error ? `  ${s.error}` : ''}`);
  if (r.stages.length === 0) lines.push(dim('  (none yet)'));
  const ingest = r.stages.find((s) => s.stage === 'ingest')?.metrics as { records?: number; errorCount?: number; errors?: { line: number; field: string; reason: string }[] } | null | undefined;
  if (ingest?.errors?.length) {
    lines.push('', bold(`ingest errors (${ingest.errorCount})`));
    for (const e of ingest.errors.slice(0, 20)) lines.push(`  line ${e.line}  ${e.field}: ${e.reason}`);
  }
  if (r.artifacts.length) {
    lines.push('', bold('artifacts'));
    for (const a of r.artifacts) lines.push(`  ${a.kind.padEnd(18)} ${a.sha256.slice(0, 12)}  ${String(a.bytes).padStart(10)} B  ${a.uri}`);
  }
  return lines.join('\n');
}
