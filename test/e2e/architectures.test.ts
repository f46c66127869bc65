import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseStageReport, type RunDetail } from '@refinery/core';
import { ensureTinyModel, loadToolchain } from '../../infra/src';
import { DEMO_SPEC, submitYaml, waitForRun } from '../support/api';

/**
 * The families customers tune, each through the whole path on the real stack: LoRA → merge →
 * GGUF (llama.cpp's converter and quantizer) → loaded and generating in node-llama-cpp →
 * evaluated. Each tiny model has its family's kind of tokenizer and chat template
 * (examples/build_tiny_model.py): Mistral a SentencePiece model with [INST] turns and BOS,
 * Qwen2 a byte-level BPE with its own split regex and ChatML. The Llama family is the demo's
 * (model-pipeline.test.ts).
 */
const FAMILIES = [
  // general.architecture in the GGUF: llama.cpp loads Mistral (v0.1–v0.3 layout) as "llama".
  // node-llama-cpp tokenizes a chat prompt piece by piece (template text, then each message): with
  // a SentencePiece vocabulary the pieces' boundaries differ from the whole string's ("▁You" vs
  // "▁" "Y" "ou"), so for Mistral only the prompt's text is the same, not its ids.
  // systemPlacement: the chat format Ollama's Modelfile is written from (the tiny Mistral template
  // folds the system prompt into the first [INST]).
  { family: 'mistral', ggufArchitecture: 'llama', chatWrapper: 'JinjaTemplate', sameChatTokens: false, systemPlacement: 'first_user' },
  { family: 'qwen2', ggufArchitecture: 'qwen2', chatWrapper: 'ChatML', sameChatTokens: true, systemPlacement: 'turn' },
] as const;

const report = <S extends 'quantize' | 'evaluate' | 'gates'>(run: RunDetail, stage: S) => {
  const parsed = parseStageReport(stage, run.stages.find((x) => x.stage === stage)?.metrics);
  if (!parsed.report) throw new Error(`${stage}: ${parsed.mismatch ?? 'no report'}`);
  return parsed.report;
};

function specFor(family: string): string {
  const spec = parse(DEMO_SPEC);
  spec.name = `arch-${family}`;
  spec.baseModel = { uri: `file://examples/models/tiny-${family}` };
  spec.training = { ...spec.training, epochs: 1, maxSteps: 30, checkpointEvery: 30 };
  spec.quantization = { formats: ['f16', 'q8_0', 'q4_K_M'] };
  spec.evaluation = {
    metrics: ['json_valid', 'field_match'],
    maxExamples: 12,
    maxNewTokens: 48,
    gates: [
      { metric: 'answer_loss', vs: 'base', maxDelta: -0.1 }, // the adapter learned something
      { metric: 'perplexity_delta', variant: 'gguf-q8_0', max: 0.01 },
      { metric: 'perplexity_delta', variant: 'gguf-q4_k_m', max: 0.05 },
    ],
  };
  return stringify(spec);
}

describe('model families: LoRA → merge → GGUF → node-llama-cpp → evaluation', () => {
  beforeAll(() => {
    for (const { family } of FAMILIES) ensureTinyModel(loadToolchain().python, family, () => {});
  }, 15 * 60_000);

  it.each(FAMILIES)('$family: every GGUF loads and generates, tokenizer and chat template agree with Hugging Face, quantization costs what it should', { timeout: 20 * 60_000 }, async ({ family, ggufArchitecture, chatWrapper, sameChatTokens, systemPlacement }) => {
    const submitted = await submitYaml(specFor(family));
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const run = await waitForRun(submitted.body.id, undefined, 18 * 60_000);
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');

    const quantize = report(run, 'quantize');
    expect(quantize.architecture).toBe(ggufArchitecture);
    expect(quantize.tokenizerParity).toBe(true);
    // node-llama-cpp's chat wrapper for the file builds the HF template's prompt, character for character.
    expect(quantize.chatTemplateParity).toMatchObject({ chatWrapper, tokens: expect.any(Number) });
    expect(quantize.chatTemplateParity!.tokens).toBeGreaterThan(20);
    expect(quantize.chatTemplateParity!.sameTokens === null).toBe(sameChatTokens);
    expect(quantize.chatFormat).toMatchObject({ supported: true, system: { placement: systemPlacement } });
    expect(quantize.files.map((f) => f.format)).toEqual(['f16', 'q8_0', 'q4_K_M']);
    for (const f of quantize.files) expect(f.sample.length, `${f.format} generated nothing in node-llama-cpp`).toBeGreaterThan(0);

    const evaluated = report(run, 'evaluate');
    const perplexity = (v: string) => evaluated.variants.find((x) => x.variant === v)!.perplexity!;
    // The measured values, for docs/benchmarks.md (perplexity of each GGUF ÷ the merged model's).
    console.log(`${family}: ${evaluated.variants.map((v) => `${v.variant} ppl ${v.perplexity?.toFixed(4)} (÷merged ${(v.perplexity! / perplexity('merged')).toFixed(6)})`).join('; ')}; ${quantize.files.map((f) => `${f.format} ${f.bytes} B`).join(', ')}`);
    // f16 is the merged model in another file format (targets: f16 0.1 %, q8_0 1 %, q4_K_M 5 %).
    expect(Math.abs(perplexity('gguf-f16') / perplexity('merged') - 1)).toBeLessThan(0.001);
    expect(Math.abs(perplexity('gguf-q8_0') / perplexity('merged') - 1)).toBeLessThan(0.01);
    expect(Math.abs(perplexity('gguf-q4_k_m') / perplexity('merged') - 1)).toBeLessThan(0.05);
    const gates = report(run, 'gates');
    expect(gates.results.map((g) => [g.gate, g.passed])).toEqual(gates.results.map((g) => [g.gate, true]));
  });
});
