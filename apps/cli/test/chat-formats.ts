import type { ChatFormat } from '@refinery/core';

/**
 * The chat formats the trainer derives for the tiny models' families (examples/build_tiny_model.py;
 * workers/trainer/tests/test_chat_format.py asserts the same parts from the real tokenizers).
 */
type Supported = Extract<ChatFormat, { supported: true }>;
const base = { supported: true as const, addBosToken: false, bos: '', defaultSystem: null };

export const LLAMA: Supported = {
  ...base,
  system: { placement: 'turn', prefix: '<|system|>\n', suffix: '<|end|>\n' },
  user: { prefix: '<|user|>\n', suffix: '<|end|>\n' },
  assistant: { prefix: '<|assistant|>\n', suffix: '<|end|>\n' },
  generationPrompt: '<|assistant|>\n',
  eosToken: '<|end|>',
};
export const CHATML: Supported = {
  ...base,
  system: { placement: 'turn', prefix: '<|im_start|>system\n', suffix: '<|im_end|>\n' },
  user: { prefix: '<|im_start|>user\n', suffix: '<|im_end|>\n' },
  assistant: { prefix: '<|im_start|>assistant\n', suffix: '<|im_end|>\n' },
  generationPrompt: '<|im_start|>assistant\n',
  eosToken: '<|im_end|>',
};
export const MISTRAL: Supported = {
  ...base,
  bos: '<s>',
  addBosToken: true,
  system: { placement: 'first_user', prefix: '', suffix: '\n\n' },
  user: { prefix: '[INST] ', suffix: ' [/INST]' },
  assistant: { prefix: '', suffix: '</s>' },
  generationPrompt: '',
  eosToken: '</s>',
};
