import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ollamaTemplate } from '../src/modelfile';
import { CHATML, LLAMA, MISTRAL } from './chat-formats';

/**
 * The TEMPLATEs the CLI writes, executed by Go's text/template (what Ollama runs them with) on
 * Ollama's `.Messages`, give the prompts the Hugging Face templates of the tiny models give
 * (rendered with apply_chat_template, generation prompt added; for Mistral the leading <s> is the
 * BOS llama.cpp adds). Runs where a Go toolchain is on PATH; skipped elsewhere.
 */
const hasGo = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;

const SYS = { role: 'system', content: 'Route tickets.\n\nReply with one word.' };
const U1 = { role: 'user', content: 'My card was charged twice  (order 77).' };
const A1 = { role: 'assistant', content: 'billing' };
const U2 = { role: 'user', content: 'The app crashes on start.' };
const A2 = { role: 'assistant', content: 'technical' };
const U3 = { role: 'user', content: 'Où est mon colis ? 🙂' };
const CONVERSATIONS = [[SYS, U1, A1, U2, A2, U3], [U1, A1, U2, A2, U3], [SYS, U1], [U1]];

// apply_chat_template(conversation, add_generation_prompt=True) of each tiny family, in order.
const HF: Record<string, string[]> = {
  llama: [
    '<|system|>\nRoute tickets.\n\nReply with one word.<|end|>\n<|user|>\nMy card was charged twice  (order 77).<|end|>\n<|assistant|>\nbilling<|end|>\n<|user|>\nThe app crashes on start.<|end|>\n<|assistant|>\ntechnical<|end|>\n<|user|>\nOù est mon colis ? 🙂<|end|>\n<|assistant|>\n',
    '<|user|>\nMy card was charged twice  (order 77).<|end|>\n<|assistant|>\nbilling<|end|>\n<|user|>\nThe app crashes on start.<|end|>\n<|assistant|>\ntechnical<|end|>\n<|user|>\nOù est mon colis ? 🙂<|end|>\n<|assistant|>\n',
    '<|system|>\nRoute tickets.\n\nReply with one word.<|end|>\n<|user|>\nMy card was charged twice  (order 77).<|end|>\n<|assistant|>\n',
    '<|user|>\nMy card was charged twice  (order 77).<|end|>\n<|assistant|>\n',
  ],
  chatml: [
    '<|im_start|>system\nRoute tickets.\n\nReply with one word.<|im_end|>\n<|im_start|>user\nMy card was charged twice  (order 77).<|im_end|>\n<|im_start|>assistant\nbilling<|im_end|>\n<|im_start|>user\nThe app crashes on start.<|im_end|>\n<|im_start|>assistant\ntechnical<|im_end|>\n<|im_start|>user\nOù est mon colis ? 🙂<|im_end|>\n<|im_start|>assistant\n',
    '<|im_start|>user\nMy card was charged twice  (order 77).<|im_end|>\n<|im_start|>assistant\nbilling<|im_end|>\n<|im_start|>user\nThe app crashes on start.<|im_end|>\n<|im_start|>assistant\ntechnical<|im_end|>\n<|im_start|>user\nOù est mon colis ? 🙂<|im_end|>\n<|im_start|>assistant\n',
    '<|im_start|>system\nRoute tickets.\n\nReply with one word.<|im_end|>\n<|im_start|>user\nMy card was charged twice  (order 77).<|im_end|>\n<|im_start|>assistant\n',
    '<|im_start|>user\nMy card was charged twice  (order 77).<|im_end|>\n<|im_start|>assistant\n',
  ],
  mistral: [
    '<s>[INST] Route tickets.\n\nReply with one word.\n\nMy card was charged twice  (order 77). [/INST]billing</s>[INST] The app crashes on start. [/INST]technical</s>[INST] Où est mon colis ? 🙂 [/INST]',
    '<s>[INST] My card was charged twice  (order 77). [/INST]billing</s>[INST] The app crashes on start. [/INST]technical</s>[INST] Où est mon colis ? 🙂 [/INST]',
    '<s>[INST] Route tickets.\n\nReply with one word.\n\nMy card was charged twice  (order 77). [/INST]',
    '<s>[INST] My card was charged twice  (order 77). [/INST]',
  ],
};

const GO_MAIN = `package main

import (
	"encoding/json"
	"os"
	"text/template"
)

type Message struct{ Role, Content string }

func main() {
	var in struct {
		Template string
		Conversations [][]Message
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	t := template.Must(template.New("ollama").Parse(in.Template))
	out := []string{}
	for _, msgs := range in.Conversations {
		var b []byte
		w := &buf{&b}
		if err := t.Execute(w, map[string]any{"Messages": msgs}); err != nil {
			panic(err)
		}
		out = append(out, string(b))
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

type buf struct{ b *[]byte }

func (w *buf) Write(p []byte) (int, error) { *w.b = append(*w.b, p...); return len(p), nil }
`;

describe.skipIf(!hasGo)('the Ollama TEMPLATE, executed by Go text/template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'refinery-gotemplate-'));
  writeFileSync(join(dir, 'main.go'), GO_MAIN);
  const render = (template: string): string[] =>
    JSON.parse(execFileSync('go', ['run', 'main.go'], { cwd: dir, input: JSON.stringify({ Template: template, Conversations: CONVERSATIONS }), encoding: 'utf8', env: { ...process.env, GO111MODULE: 'off' }, timeout: 120_000 }));

  it.each([
    ['llama', LLAMA, ''],
    ['chatml', CHATML, ''],
    ['mistral', MISTRAL, '<s>'], // added by llama.cpp (the GGUF's add_bos_token), not by the template
  ] as const)('%s: the prompts of the Hugging Face template', { timeout: 180_000 }, (family, format, bosAdded) => {
    expect(render(ollamaTemplate(format)).map((p) => bosAdded + p)).toEqual(HF[family]);
  });
});
