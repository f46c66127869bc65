import { describe, expect, it } from 'vitest';
import { chooseFormat, modelfile, ollamaTemplate, stopTokens } from '../src/modelfile';
import { CHATML, LLAMA, MISTRAL } from './chat-formats';

/**
 * The Ollama Modelfile for each family of the tiny models (examples/build_tiny_model.py), from the
 * chat formats the trainer derives for them (workers/trainer/tests/test_chat_format.py asserts the
 * same parts and that they rebuild the Hugging Face prompts).
 */
const header = ['support-router v3 (q8_0), run r-1', 'ollama create support-router:v3 -f Modelfile'];

describe('Modelfile for each family', () => {
  it('llama-style markers: a system turn, user and assistant turns, the generation prompt, stop at <|end|>', () => {
    const m = modelfile({ gguf: 'model-q8_0.gguf', chatFormat: LLAMA, header });
    expect(m).toEqual({ template: true, warning: null, text: expect.any(String) });
    expect(m.text).toBe(
      [
        '# support-router v3 (q8_0), run r-1',
        '# ollama create support-router:v3 -f Modelfile',
        'FROM ./model-q8_0.gguf',
        'TEMPLATE """{{- range $i, $m := .Messages }}',
        '{{- $last := eq (len (slice $.Messages $i)) 1 }}',
        '{{- if eq $m.Role "system" }}{{ "<|system|>\\n" }}{{ $m.Content }}{{ "<|end|>\\n" }}',
        '{{- else if eq $m.Role "user" }}{{ "<|user|>\\n" }}{{ $m.Content }}{{ "<|end|>\\n" }}',
        '{{- else if eq $m.Role "assistant" }}{{ "<|assistant|>\\n" }}{{ $m.Content }}{{ if not $last }}{{ "<|end|>\\n" }}{{ end }}',
        '{{- end }}',
        '{{- if and $last (ne $m.Role "assistant") }}{{ "<|assistant|>\\n" }}{{ end }}',
        '{{- end }}"""',
        'PARAMETER stop "<|end|>"',
        'PARAMETER stop "<|user|>"',
        '',
      ].join('\n'),
    );
  });

  it('ChatML (qwen2): role names inside the markers, stop at <|im_end|> and a new user turn', () => {
    expect(ollamaTemplate(CHATML)).toBe(
      [
        '{{- range $i, $m := .Messages }}',
        '{{- $last := eq (len (slice $.Messages $i)) 1 }}',
        '{{- if eq $m.Role "system" }}{{ "<|im_start|>system\\n" }}{{ $m.Content }}{{ "<|im_end|>\\n" }}',
        '{{- else if eq $m.Role "user" }}{{ "<|im_start|>user\\n" }}{{ $m.Content }}{{ "<|im_end|>\\n" }}',
        '{{- else if eq $m.Role "assistant" }}{{ "<|im_start|>assistant\\n" }}{{ $m.Content }}{{ if not $last }}{{ "<|im_end|>\\n" }}{{ end }}',
        '{{- end }}',
        '{{- if and $last (ne $m.Role "assistant") }}{{ "<|im_start|>assistant\\n" }}{{ end }}',
        '{{- end }}',
      ].join('\n'),
    );
    expect(stopTokens(CHATML)).toEqual(['<|im_end|>', '<|im_start|>user']);
  });

  it('Mistral [INST]: the system message folded into the first user turn, no BOS written (llama.cpp adds it), no generation prompt', () => {
    const m = modelfile({ gguf: 'model-q4_K_M.gguf', chatFormat: MISTRAL, header: [] });
    expect(m.text).toBe(
      [
        'FROM ./model-q4_K_M.gguf',
        'TEMPLATE """{{- range $i, $m := .Messages }}',
        '{{- $last := eq (len (slice $.Messages $i)) 1 }}',
        '{{- if eq $m.Role "user" }}{{ "[INST] " }}{{ if and (eq $i 1) (eq (index $.Messages 0).Role "system") }}{{ (index $.Messages 0).Content }}{{ "\\n\\n" }}{{ end }}{{ $m.Content }}{{ " [/INST]" }}',
        '{{- else if eq $m.Role "assistant" }}{{ $m.Content }}{{ if not $last }}{{ "</s>" }}{{ end }}',
        '{{- end }}',
        '{{- end }}"""',
        'PARAMETER stop "</s>"',
        'PARAMETER stop "[INST]"',
        '',
      ].join('\n'),
    );
  });

  it("writes the template's BOS when llama.cpp would not add it, and SYSTEM for a default system prompt", () => {
    const t = ollamaTemplate({ ...MISTRAL, addBosToken: false });
    expect(t.startsWith('{{ "<s>" }}{{- range $i, $m := .Messages }}\n')).toBe(true);
    const m = modelfile({ gguf: 'model-f16.gguf', chatFormat: { ...CHATML, defaultSystem: 'You are a helpful assistant.\nBe brief.' }, header: [] });
    expect(m.text.endsWith('PARAMETER stop "<|im_start|>user"\nSYSTEM """You are a helpful assistant.\nBe brief."""\n')).toBe(true);
  });

  it('escapes quotes and backslashes in markers as Go string literals', () => {
    const t = ollamaTemplate({ ...LLAMA, user: { prefix: 'User "said":\t\\ ', suffix: '\n' } });
    expect(t).toContain('{{ "User \\"said\\":\\t\\\\ " }}{{ $m.Content }}{{ "\\n" }}');
    expect(t).not.toContain('"""');
  });
});

describe('a template fixed parts cannot express, or no chat format', () => {
  it('writes FROM only, says why in the file, and warns', () => {
    const m = modelfile({ gguf: 'model-q8_0.gguf', chatFormat: { supported: false, reason: 'the template fails on a plain conversation' }, header: [] });
    expect(m.template).toBe(false);
    expect(m.warning).toContain('the template fails on a plain conversation');
    expect(m.text).not.toMatch(/^TEMPLATE/m);
    expect(m.text.split('\n')[0]).toBe('FROM ./model-q8_0.gguf');
    expect(modelfile({ gguf: 'x.gguf', chatFormat: undefined, header: [] }).warning).toContain('records no chat format');
  });
});

describe('chooseFormat', () => {
  it("prefers q4_K_M, then q8_0, q4_0, f16; a named format must exist", () => {
    expect(chooseFormat(['f16', 'q8_0', 'q4_K_M'])).toBe('q4_K_M');
    expect(chooseFormat(['f16', 'q8_0'])).toBe('q8_0');
    expect(chooseFormat(['f16', 'q4_0'])).toBe('q4_0');
    expect(chooseFormat(['f16'])).toBe('f16');
    expect(chooseFormat(['f16', 'q8_0'], 'f16')).toBe('f16');
    expect(() => chooseFormat(['q8_0'], 'q4_K_M')).toThrow(/has no q4_K_M GGUF; it has q8_0/);
    expect(() => chooseFormat([])).toThrow(/no GGUF files/);
  });
});
