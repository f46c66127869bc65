import { basename } from 'node:path';
import { ggufVariant, type GgufFormat, type QuantizeInput, type QuantizeResult } from '@refinery/core';
import type { GpuDeps } from './deps';
import { runTrainerJob } from './job-runner';
import { fetchDirectory, storeFile } from './stored-outputs';
import { QUANTIZE_PROTOCOL } from './trainer-events';

const GGUF_MEDIA_TYPE = 'application/vnd.gguf';

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
          if (!done.tokenizer_parity.equal) throw new Error('the GGUF tokenizer does not match the Hugging Face tokenizer');
          const files: QuantizeResult['files'] = [];
          for (const f of done.files) {
            const format = f.format as GgufFormat;
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
              files: files.map((f) => ({ format: f.format, variant: f.variant, uri: f.uri, sha256: f.sha256, bytes: f.bytes, seconds: done.files.find((d) => d.format === f.format)!.seconds })),
              tokenizerParity: done.tokenizer_parity.equal,
              seconds: (Date.now() - started) / 1000,
            },
          };
        },
      });
    },
  };
}
