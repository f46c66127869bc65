import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CANARY_EXPOSURE, DpoSpec, PII_LEAKAGE, type EvaluateInput, type EvaluateReport, type EvaluateResult } from '@refinery/core';
import { stageComputedBy } from '@refinery/db';
import { readLines, shaFromObjectUri, stageDirectorySource } from '@refinery/storage';
import type { GpuDeps } from './deps';
import { runTrainerJob } from './job-runner';
import { canaries, CANARY_CANDIDATES, exposure } from './canaries';
import { collectRawValues, maskPii, scanGenerations } from './leakage';
import { fetchDirectory, fetchFile, storeFile } from './stored-outputs';
import { EVALUATE_PROTOCOL } from './trainer-events';

/**
 * Evaluate base, merged and every GGUF on the eval split (trainer verb `evaluate`). The report
 * (with its sample generations) is also stored as an artifact, so approvals and the registry can
 * name exactly what a reviewer saw.
 */
export function evaluateActivities(deps: GpuDeps) {
  return {
    async evaluateModels(input: EvaluateInput): Promise<EvaluateResult> {
      const progress = { variant: 'starting', done: 0, total: 0 };
      const e = input.evaluation;
      // The canaries planted in the adapter's training data: derived from the id of the run that
      // trained it, which is another run's when train reused that run's adapter (step caching).
      const seededByRunId = e.canaries ? await stageComputedBy(deps.db, input.runId, 'train') : input.runId;
      const planted = e.canaries ? canaries(seededByRunId, e.canaries, input.format) : [];
      return runTrainerJob(deps, {
        runId: input.runId,
        protocol: EVALUATE_PROTOCOL,
        progress,
        onEvent: (ev) => {
          if (ev.event === 'progress') Object.assign(progress, { variant: ev.variant, done: ev.done, total: ev.total });
        },
        prepare: async (paths) => ({
          base_model: await stageDirectorySource(input.baseModelUri, deps.sources, join(paths.scratch, 'base-model')),
          merged_dir: await fetchDirectory(deps, input.merged.uri, paths.scratch, 'merged'),
          gguf_files: await Promise.all(input.ggufs.map(async (g) => ({ format: g.format, path: await fetchFile(deps, g.uri, join(paths.scratch, `${g.variant}.gguf`)) }))),
          eval_file: await fetchFile(deps, input.eval.uri, join(paths.scratch, 'eval.jsonl')),
          format: input.format,
          max_examples: e.maxExamples,
          max_new_tokens: e.maxNewTokens,
          metrics: e.metrics,
          seed: e.seed,
          device: 'auto',
          threads: null,
          canaries: planted,
          beta: input.format === 'preference' ? (input.dpoBeta ?? DpoSpec.parse({}).beta) : null,
          output_dir: paths.outputDir,
        }),
        finish: async (done, { paths }) => {
          const bytesOf = (variant: string) => input.ggufs.find((g) => g.variant === variant)?.bytes ?? null;
          const leakage = e.leakageProbe ? await probeLeakage(deps, input, done.generations_file) : null;
          const exposures = done.canary_ranks.map((rank) => exposure(rank));
          const extra = (variant: string): Record<string, number> =>
            variant !== 'merged'
              ? {}
              : { ...(leakage ? { [PII_LEAKAGE]: leakage.leakingGenerations } : {}), ...(exposures.length ? { [CANARY_EXPOSURE]: mean(exposures) } : {}) };
          const report: EvaluateReport = {
            examples: done.examples,
            variants: done.variants.map((v) => ({
              variant: v.variant,
              loss: v.loss,
              perplexity: v.perplexity,
              metrics: { ...v.metrics, ...agreement(v), ...extra(v.variant) },
              bytes: bytesOf(v.variant),
              seconds: v.seconds,
              examplesPerSecond: v.examples_per_second,
            })),
            // Shown to reviewers: a model that leaks must not put the leaked values on screen.
            // Prompts and references too: a policy may keep a type in the data (redaction.keep); the report shows none.
            samples: done.samples.map((s) => ({ ...s, prompt: maskPii(s.prompt), reference: maskPii(s.reference), outputs: Object.fromEntries(Object.entries(s.outputs).map(([k, v]) => [k, maskPii(v)])) })),
            leakage,
            canaries: exposures.length
              ? { count: exposures.length, candidates: CANARY_CANDIDATES, exposures, meanExposure: mean(exposures), maxExposure: Math.log2(CANARY_CANDIDATES), seededByRunId }
              : null,
          };
          const file = join(paths.scratch, 'eval-report.json');
          await writeFile(file, JSON.stringify(report, null, 2));
          const evalReport = await storeFile(deps, file, 'application/json', {
            runId: input.runId,
            stage: 'evaluate',
            kind: 'eval_report',
            metadata: { examples: done.examples, variants: report.variants.map((v) => v.variant) },
            from: [
              { artifactId: input.merged.artifactId, relation: 'evaluates' },
              ...input.ggufs.map((g) => ({ artifactId: g.artifactId, relation: 'evaluates' })),
              { artifactId: input.eval.artifactId, relation: 'evaluated_on' },
            ],
          });
          return { evalReport, report };
        },
      });
    },
  };
}

/** How close a GGUF's next-token distribution stays to the merged model's (llama-perplexity --kl-divergence). */
const agreement = (v: { kl_divergence?: number | null; top1_agreement?: number | null; answer_loss?: number | null }): Record<string, number> => ({
  // train's eval loss (answer tokens only): the HF variants have it, llama.cpp cannot compute it
  ...(v.answer_loss != null ? { answer_loss: v.answer_loss } : {}),
  ...(v.kl_divergence != null ? { kl_divergence: v.kl_divergence } : {}),
  ...(v.top1_agreement != null ? { top1_agreement: v.top1_agreement } : {}),
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The merged model's generations on the eval prompts, scanned for the raw dataset's PII values. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

async function probeLeakage(deps: GpuDeps, input: EvaluateInput, generationsFile: string) {
  // Streamed line by line: the raw dataset may be gigabytes (a line over the limit holds no text and is skipped).
  const raw = await deps.sources.store.get(shaFromObjectUri(input.raw.uri)!);
  const values = await collectRawValues(readLines(raw, { maxLineBytes: MAX_LINE_BYTES }), input.format);
  const generations = (await readFile(generationsFile, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { variant: string; index: number; text: string })
    .filter((g) => g.variant === 'merged');
  return scanGenerations(generations, values);
}
