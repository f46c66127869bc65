import { basename } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { ggufVariant, type ChatFormat, type GgufFormat, type QuantizeInput, type QuantizeReport, type QuantizeResult } from '@refinery/core';
import type { z } from 'zod';
import type { GpuDeps } from './deps';
import { runTrainerJob } from './job-runner';
import { probeGguf } from './gguf-check';
import { fetchDirectory, storeFile } from './stored-outputs';
import { QUANTIZE_PROTOCOL } from './trainer-events';

const GGUF_MEDIA_TYPE = 'application/vnd.gguf';
const PROBE_PROMPT = 'Hello, my order';

/** Where two prompts part, shown with a little context. */
function textMismatch(hf: string, other: string): string {
  let at = 0;
  while (at < hf.length && hf[at] === other[at]) at++;
  return `first difference at character ${at}: Hugging Face ${JSON.stringify(hf.slice(at, at + 24))}, node-llama-cpp ${JSON.stringify(other.slice(at, at + 24))}`;
}

/** Where two token sequences part, or null when they are the same. */
export function chatTemplateMismatch(hf: readonly number[], gguf: readonly number[]): string | null {
  const at = hf.findIndex((t, i) => t !== gguf[i]);
  if (at < 0 && hf.length === gguf.length) return null;
  const i = at < 0 ? hf.length : at;
  return `first difference at token ${i} of ${hf.length}: Hugging Face ${JSON.stringify(hf.slice(i, i + 6))}, node-llama-cpp ${JSON.stringify(gguf.slice(i, i + 6))} (${gguf.length} tokens)`;
}

/** GGUF files of the merged model (trainer verb `quantize`: llama.cpp's converter and quantizer). */
/** The trainer's `chat_format` (snake_case, PROTOCOL.md) as the report records it. */
export function chatFormat(f: z.infer<typeof QUANTIZE_PROTOCOL.done>['chat_format']): ChatFormat {
  if (!f.supported) return { supported: false, reason: f.reason };
  return {
    supported: true,
    bos: f.bos,
    addBosToken: f.add_bos_token,
    system: f.system,
    user: f.user,
    assistant: f.assistant,
    generationPrompt: f.generation_prompt,
    defaultSystem: f.default_system,
    eosToken: f.eos_token,
  };
}

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
          let chatParity: NonNullable<QuantizeReport['chatTemplateParity']> | undefined;
          for (const f of done.files) {
            const format = f.format as GgufFormat;
            // A file that does not load where users will run it, or whose chat prompt differs from
            // the one the model was trained on, is not recorded at all.
            const probe = await probeGguf(f.path, PROBE_PROMPT, done.chat_prompt.messages);
            if (!probe.ok) throw ApplicationFailure.nonRetryable(probe.error!, 'GgufDoesNotLoad');
            const chat = probe.chat!;
            if (chat.text !== done.chat_prompt.text) throw ApplicationFailure.nonRetryable(`${f.format}: node-llama-cpp's ${chat.wrapper} chat wrapper builds a different prompt from the model's chat template (${textMismatch(done.chat_prompt.text, chat.text)}); apps would prompt the model in a format it was not trained on`, 'ChatTemplateMismatch');
            chatParity = { chatWrapper: chat.wrapper, tokens: done.chat_prompt.hf_tokens.length, sameTokens: chatTemplateMismatch(done.chat_prompt.hf_tokens, chat.tokens), nodeLlamaCppTokens: chat.tokens.length };
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
              chatTemplateParity: chatParity,
              architecture: done.gguf.architecture,
              chatFormat: chatFormat(done.chat_format),
              seconds: (Date.now() - started) / 1000,
            },
          };
        },
      });
    },
  };
}
