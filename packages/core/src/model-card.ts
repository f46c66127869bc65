import type { ModelVersion } from './registry';

/**
 * The model card of a registry version, built only from its immutable record: what it is for,
 * what it was made from (base model and licence, data hashes, redaction), how (hyperparameters),
 * how good it is (metrics, gates, quantization cost, privacy checks) and who approved it. One
 * structure, rendered as Markdown (API, download) and as HTML (the model page).
 */
export interface ModelCard {
  title: string;
  sections: { heading: string; lines: string[] }[];
}

const num = (v: number | null | undefined, digits = 4) => (v == null ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(digits));
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

export function modelCard(model: { project: string; name: string }, v: ModelVersion): ModelCard {
  const r = v.record;
  const sections: ModelCard['sections'] = [];
  sections.push({ heading: 'Intended use', lines: [r.description ?? 'Not stated: the run spec has no description.'] });
  sections.push({ heading: 'Base model', lines: [`URI: ${r.baseModel}`, `Licence: ${r.baseModelLicense ?? 'not stated in the run spec (baseModel.license)'}`] });

  const data = [`Raw dataset sha256: ${r.data.rawSha256 ?? '—'} (${num(r.data.records)} records)`];
  if (r.data.redaction) {
    const entities = Object.entries(r.data.redaction.entities).map(([t, c]) => `${t} ×${c}`).join(', ') || 'none found';
    data.push(`Redaction policy sha256: ${r.data.redaction.policyHash}; ${r.data.redaction.changed} records changed, ${r.data.redaction.dropped} dropped; entities: ${entities}`);
  } else data.push('Redaction: none (the run spec has no redaction section)');
  data.push(`Split: ${num(r.data.trainRecords)} training records, ${num(r.data.evalRecords)} held out for evaluation`);
  sections.push({ heading: 'Data', lines: data });

  sections.push({ heading: 'Training', lines: Object.entries(r.hyperparameters).map(([k, val]) => `${k}: ${typeof val === 'object' ? JSON.stringify(val) : String(val)}`) });

  const evaluation = r.evaluation;
  if (evaluation) {
    const metricNames = [...new Set(evaluation.variants.flatMap((x) => Object.keys(x.metrics)))];
    const header = `| variant | size | loss | perplexity | ${metricNames.join(' | ')} |`;
    const rows = evaluation.variants.map((x) => `| ${x.variant} | ${x.bytes == null ? '—' : mb(x.bytes)} | ${num(x.loss)} | ${num(x.perplexity)} | ${metricNames.map((m) => num(x.metrics[m])).join(' | ')} |`);
    sections.push({ heading: `Evaluation (${evaluation.examples} held-out examples)`, lines: [header, `|${' --- |'.repeat(4 + metricNames.length)}`, ...rows] });
    const privacy: string[] = [];
    if (evaluation.leakage) privacy.push(`Leakage probe: ${evaluation.leakage.leakingGenerations} of ${evaluation.leakage.prompts} generations repeated one of the ${evaluation.leakage.rawValues} PII values found in the raw data`);
    if (evaluation.canaries) privacy.push(`Memorisation canaries: mean exposure ${num(evaluation.canaries.meanExposure, 2)} of at most ${num(evaluation.canaries.maxExposure, 2)} bits (${evaluation.canaries.count} canaries)`);
    if (privacy.length) sections.push({ heading: 'Privacy checks', lines: privacy });
  } else sections.push({ heading: 'Evaluation', lines: ['Not evaluated (the run spec has no evaluation section).'] });

  if (r.gates) sections.push({ heading: `Gates (${r.gates.passed ? 'all passed' : `failed, onFail: ${r.gates.onFail}`})`, lines: r.gates.results.map((g) => `${g.passed === null ? 'skipped' : g.passed ? 'pass' : 'FAIL'}: ${g.gate} (value ${num(g.value)}${g.delta === null ? '' : `, Δ ${num(g.delta)}`})${g.note ? ` — ${g.note}` : ''}`) });

  if (r.ggufs.length) {
    const merged = evaluation?.variants.find((x) => x.variant === 'merged')?.perplexity ?? null;
    sections.push({
      heading: 'Quantized variants (GGUF, for llama.cpp, Ollama, LM Studio)',
      lines: r.ggufs.map((g) => {
        const ppl = evaluation?.variants.find((x) => x.variant === `gguf-${g.format.toLowerCase()}`)?.perplexity ?? null;
        const cost = ppl !== null && merged !== null ? `, perplexity ${(((ppl - merged) / merged) * 100).toFixed(3)} % vs merged` : '';
        return `${g.format}: ${mb(g.bytes)}, sha256 ${g.sha256}${cost}`;
      }),
    });
  }

  const approval = r.approval;
  sections.push({
    heading: 'Approvals',
    lines: approval
      ? [`Outcome: ${approval.outcome} (${approval.required} required); evidence sha256 ${approval.evidenceSha256}; submitted by ${approval.submittedBy}`, ...approval.decisions.map((d) => `${d.decision} by ${d.actor} at ${d.at}: ${d.comment}`)]
      : ['No approval stage in the run spec.'],
  });

  const stored = (label: string, a: { uri: string; sha256: string } | null) => (a ? [`${label}: ${a.uri} (sha256 ${a.sha256})`] : []);
  sections.push({ heading: 'Artifacts and lineage', lines: [`Run: ${r.runId}`, ...stored('Adapter', r.adapter), ...stored('Merged model', r.merged), ...stored('Evaluation report', r.evalReport)] });
  return { title: `${model.project}/${model.name} v${v.version}`, sections };
}

export function modelCardMarkdown(card: ModelCard): string {
  const body = card.sections.map((s) => {
    const table = s.lines[0]?.startsWith('|');
    return `## ${s.heading}\n\n${s.lines.map((l) => (table ? l : `- ${l}`)).join('\n')}\n`;
  });
  return `# Model card: ${card.title}\n\n${body.join('\n')}`;
}
