import { formatCost, formatHours, parseStageReport, slotName, STATUS_TONES, type ProjectQuota, type ProjectUsage, type RunDetail, type UsageTotals, type RunSummary, type StageExecution, type StageName, type StageReport, type StatusTone } from '@refinery/core';

const tty = process.stdout.isTTY;
const paint = (code: string) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = paint('1');
export const dim = paint('2');
const TONE_COLOR: Record<StatusTone, (s: string) => string> = {
  neutral: paint('2'),
  active: paint('36'),
  waiting: paint('35'),
  success: paint('32'),
  danger: paint('31'),
  muted: paint('33'),
};
export const status = (s: string) => {
  const tone = STATUS_TONES[s as keyof typeof STATUS_TONES];
  return tone ? TONE_COLOR[tone](s) : s;
};

const n = (v: number) => v.toLocaleString('en-US');
const loss = (v: number | null) => (v === null ? '-' : v.toFixed(4));

/** One line per stage saying what its report holds; keyed by every stage, so a new stage must say something. */
export const STAGE_LINES: { [S in StageName]: (report: StageReport<S>) => string } = {
  ingest: (r) => `${n(r.records)} records, ${n(r.bytes)} B, ~${n(r.estimatedTokens)} tokens${r.errorCount ? `, ${n(r.errorCount)} invalid line(s)` : ''}`,
  redact: (r) =>
    `${n(r.records.changed)} of ${n(r.records.read)} records changed, ${n(r.records.dropped)} dropped; verification ${r.verification.clean ? 'clean' : `found ${n(r.verification.residualCount)} residual(s)`}${secondOpinion(r.secondOpinion)}`,
  split: (r) => `${n(r.trainRecords)} train / ${n(r.evalRecords)} eval (eval ${r.eval}, seed ${r.seed})`,
  train: (r) => `${r.steps}/${r.totalSteps} steps on ${r.device}; train loss ${loss(r.trainLoss)}, eval loss ${loss(r.evalLoss)} (base ${loss(r.baseEvalLoss)})`,
  merge: (r) => `${n(r.parameters)} parameters (${r.dtype}), ${mb(r.bytes)}; tokenizer files copied: ${r.tokenizerFiles.length}`,
  quantize: (r) => `${r.files.map((f) => `${f.format} ${mb(f.bytes)}`).join(', ')}; tokenizer parity ${r.tokenizerParity ? 'ok' : 'FAILED'}${r.chatTemplateParity ? `, chat template parity ok (${r.chatTemplateParity.chatWrapper}${r.chatTemplateParity.sameTokens ? `; node-llama-cpp tokenizes it piece by piece: ${r.chatTemplateParity.nodeLlamaCppTokens} tokens, not ${r.chatTemplateParity.tokens}` : ''})` : ''} (llama.cpp ${r.llamaCpp.commit})`,
  evaluate: (r) => `${r.examples} examples; ${r.variants.map((v) => `${v.variant} ppl ${v.perplexity === null ? '-' : v.perplexity.toFixed(2)}${headline(v.metrics)}`).join(', ')}`,
  gates: (r) => `${r.results.filter((g) => g.passed).length}/${r.results.length} gates passed${r.passed ? '' : `; failed: ${r.results.filter((g) => g.passed === false).map((g) => g.gate).join('; ')}${r.onFail === 'review' ? ' (to the reviewers)' : ''}`}`,
  promote: (r) => `${r.model} version ${r.version}; ${r.alias} ${r.moved ? `moved ${r.previousVersion === null ? 'to it' : `from version ${r.previousVersion}`}` : 'already pointed at it'}`,
  approval: (r) =>
    `${r.outcome === 'awaiting' ? `awaiting ${r.required - r.decisions.filter((d) => d.decision === 'approve').length} more approval(s) until ${r.expiresAt}` : r.outcome}; ` +
    `${r.decisions.map((d) => `${d.decision} by ${d.actor}: "${d.comment}"`).join('; ') || 'no decisions'}; evidence sha256 ${r.evidenceSha256.slice(0, 12)}${r.gateFailures.length ? `; failed gates: ${r.gateFailures.join('; ')}` : ''}`,
};

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
/** The redact stage's second opinion: counts per type and the first line numbers, never values. */
const secondOpinion = (o: StageReport<'redact'>['secondOpinion']) => {
  if (!o) return '';
  if (o.suspicionCount === 0) return '; second opinion: no suspicions';
  const lines = [...new Set(o.suspicions.map((s) => s.line))];
  const types = Object.entries(o.suspicionsByType).map(([t, c]) => `${t} ×${n(c)}`).join(', ');
  return `; second opinion (${o.onSuspicion === 'fail' ? 'fails the run' : 'REVIEW'}): ${n(o.suspicionCount)} suspicion(s) ${types} on lines ${lines.slice(0, 10).join(', ')}${lines.length > 10 || o.suspicionsTruncated ? ', ...' : ''}`;
};
/** The first task metric, for a one-line summary. */
const headline = (metrics: Record<string, number>) => {
  const [name, value] = Object.entries(metrics).find(([k]) => !k.includes('.')) ?? [];
  return name === undefined ? '' : ` ${name} ${value!.toFixed(2)}`;
};

export function stageLine(s: Pick<StageExecution, 'stage' | 'metrics'>): string | null {
  const { report } = parseStageReport(s.stage, s.metrics);
  return report ? (STAGE_LINES[s.stage] as (r: unknown) => string)(report) : null;
}

export function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

export function runsTable(runs: RunSummary[]): string {
  const rows = [['ID', 'PROJECT', 'NAME', 'STATUS', 'STAGE', 'CREATED']];
  const place = (r: RunSummary) => (r.queue ? ` #${r.queue.position}` : ''); // "queued #2": its place in line
  for (const r of runs) rows.push([r.id, r.project, r.name, r.status + place(r), r.currentStage ?? '-', r.createdAt]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row, n) => row.map((cell, i) => (n > 0 && i === 3 ? status(runs[n - 1]!.status) + place(runs[n - 1]!) + ' '.repeat(widths[i]! - cell.length) : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

export function runDetail(r: RunDetail): string {
  const lines = [`${bold(r.name)} ${dim(r.id)}`, `project ${r.project}   status ${status(r.status)}${r.error ? `\nerror   ${r.error}` : ''}`];
  if (r.queue) lines.push(`queue   #${r.queue.position} waiting for ${slotName(r.queue.resource)}: ${r.queue.reason}`);
  if (r.traceId) lines.push(`trace   ${r.traceId}${r.traceUrl ? `  ${r.traceUrl}` : ''}`);
  lines.push('', bold('stages'));
  for (const s of r.stages) {
    const attempt = s.attempt > 1 ? ` #${s.attempt}` : '';
    const reused = s.reusedFromRunId ? `reused from run ${s.reusedFromRunId}` : null;
    const said = s.error ?? [reused, stageLine(s)].filter(Boolean).join('; ');
    lines.push(`  ${(s.stage + attempt).padEnd(12)} ${status(s.status).padEnd(tty ? 20 : 10)} ${duration(s.durationMs).padStart(8)}${said ? `  ${said}` : ''}`);
  }
  if (r.stages.length === 0) lines.push(dim('  (none yet)'));
  const ingest = parseStageReport('ingest', r.stages.find((s) => s.stage === 'ingest')?.metrics).report;
  if (ingest?.errors.length) {
    lines.push('', bold(`ingest errors (${ingest.errorCount})`));
    for (const e of ingest.errors.slice(0, 20)) lines.push(`  line ${e.line}  ${e.field}: ${e.reason}`);
  }
  if (r.usage.attempts) lines.push('', `${bold('usage')}   ${usageLine(r.usage)}`);
  if (r.artifacts.length) {
    lines.push('', bold('artifacts'));
    for (const a of r.artifacts) lines.push(`  ${a.kind.padEnd(18)} ${a.id}  ${a.sha256.slice(0, 12)}  ${String(a.bytes).padStart(10)} B  ${a.uri}`);
    lines.push('  (download one: refinery artifacts download <artifact id> [-o path])');
  }
  return lines.join('\n');
}

/** "CPU 0.0123 h  GPU 0.0000 h  cost 0.0012 (1 attempt unmeasured)". */
export function usageLine(u: UsageTotals): string {
  const unmeasured = u.unmeasuredAttempts ? dim(`  (${u.unmeasuredAttempts} attempt${u.unmeasuredAttempts === 1 ? '' : 's'} unmeasured)`) : '';
  return `CPU ${formatHours(u.cpuSeconds)}  GPU ${formatHours(u.gpuSeconds)}  cost ${formatCost(u.cost)}${unmeasured}`;
}

/** `refinery quotas <project>`: the limits, then who waits, in the order they will go ahead. */
export function projectQuotaText(q: ProjectQuota): string {
  const gpu = Object.entries(q.gpuSlots).map(([pool, n]) => `${pool}=${n}`);
  const lines = [
    bold(`quotas of ${q.project}`),
    `  concurrent runs   ${q.maxConcurrentRuns ?? 'no limit'}`,
    `  GPU slots         ${gpu.length ? gpu.join('  ') : 'no limit'}${gpu.length ? dim('  (pools not listed: no limit)') : ''}`,
  ];
  if (q.updatedBy) lines.push(dim(`  set by ${q.updatedBy} at ${q.updatedAt}`));
  lines.push('', bold(`queue (${q.queue.length})`));
  for (const e of q.queue) lines.push(`  #${e.position} ${e.resource.padEnd(12)} ${e.runId}  priority ${e.priority}  since ${e.queuedAt}  ${dim(e.reason)}`);
  if (q.queue.length === 0) lines.push(dim('  (no run is waiting)'));
  return lines.join('\n');
}

/** `refinery usage <project>`: one line per run, then the totals. */
export function projectUsageTable(u: ProjectUsage): string {
  const window = u.from || u.to ? ` ${dim(`(attempts started ${u.from ? `from ${u.from}` : ''}${u.from && u.to ? ' ' : ''}${u.to ? `before ${u.to}` : ''})`)}` : '';
  const lines = [`${bold(`usage of ${u.project}`)}${window}`];
  for (const r of u.runs) lines.push(`  ${r.name.slice(0, 24).padEnd(24)} ${dim(r.runId)}  ${status(r.status).padEnd(tty ? 20 : 10)} ${usageLine(r)}`);
  if (u.runs.length === 0) lines.push(dim('  (no stage attempts in this window)'));
  lines.push('', `${bold('total')}   ${usageLine(u.totals)}`);
  return lines.join('\n');
}
