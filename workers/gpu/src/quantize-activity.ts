import { basename } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { ggufVariant, type GgufFormat, type QuantizeInput, type QuantizeResult } from '@refinery/core';
import type { GpuDeps } from './deps';
import { runTrainerJob } from './job-runner';
import { probeGguf } from './gguf-check';
import { fetchDirectory, storeFile } from './stored-outputs';
import { QUANTIZE_PROTOCOL } from './trainer-events';

const GGUF_MEDIA_TYPE = 'application/vnd.gguf';
const PROBE_PROMPT = 'Hello, my order';

/** GGUF files of the merged model (trainer verb `quantize`: llama.cpp's converter and quantizer). */
export function quantizeActivities(deps: GpuDeps) {
  return {
    async quantizeModel(input: QuantizeInput): Promise<QuantizeResult> {
      const started = Date.now();
      const progress = { phase: 'starting', done: 0, total: input.formats.length };
      return runTrainerJob(deps, {
        runId: input.runId,
        protocol: QUANTIZE_PROTOCOL,
        progress,
        onEvent: (e) => {
          if (e.event === 'progress') Object.assign(progress, { phase: e.phase, done: e.done, total: e.total });
        },
        prepare: async (paths) => ({
          model_dir: await fetchDirectory(deps, input.merged.uri, paths.scratch, 'merged'),
          output_dir: paths.outputDir,
          formats: input.formats,
          threads: null,
        }),
        finish: async (done) => {
          if (!done.tokenizer_parity.equal) throw ApplicationFailure.nonRetryable('the GGUF tokenizer does not give the Hugging Face tokenizer\'s token ids', 'TokenizerMismatch');
          const files: QuantizeResult['files'] = [];
          const samples: Record<string, string> = {};
          for (const f of done.files) {
            const format = f.format as GgufFormat;
            // A file that does not load where users will run it is not recorded at all.
            const probe = await probeGguf(f.path, PROBE_PROMPT);
            if (!probe.ok) throw ApplicationFailure.nonRetryable(probe.error!, 'GgufDoesNotLoad');
            samples[format] = probe.generated!;
            const stored = await storeFile(deps, f.path, GGUF_MEDIA_TYPE, {
              runId: input.runId,
              stage: 'quantize',
              kind: 'gguf',
              metadata: { format, file: basename(f.path), llamaCpp: done.llama_cpp.commit, seconds: f.seconds },
              from: [{ artifactId: input.merged.artifactId, relation: 'quantized_from' }],
            });
            files.push({ ...stored, format, variant: ggufVariant(format) });
          }
          return {
            files,
            report: {
              llamaCpp: done.llama_cpp,
              files: files.map((f) => ({
                format: f.format,
                variant: f.variant,
                uri: f.uri,
                sha256: f.sha256,
                bytes: f.bytes,
                seconds: done.files.find((d) => d.format === f.format)!.seconds,
                sample: samples[f.format]!,
              })),
              tokenizerParity: done.tokenizer_parity.equal,
              seconds: (Date.now() - started) / 1000,
            },
          };
        },
      });
    },
  };
}
