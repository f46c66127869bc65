/**
 * `node --import tsx gguf-probe.ts <file.gguf> <prompt> [<chat messages JSON>]`: loads a GGUF with
 * node-llama-cpp (the runtime a user's app loads it with), tokenizes the prompt and generates a
 * few greedy tokens; given chat messages (system + user), it also renders them with the chat
 * wrapper node-llama-cpp picks for the file (as a LlamaChatSession would): the prompt's text
 * (special tokens written out) and its ids as node-llama-cpp tokenizes it, piece by piece.
 * Prints one JSON line. Run as a child process (`probeGguf`): a malformed GGUF can abort
 * the whole process, and must not take the worker with it.
 */
import { getLlama, LlamaCompletion, LlamaLogLevel, resolveChatWrapper, SpecialToken, type ChatHistoryItem } from 'node-llama-cpp';

const [file, prompt, messagesJson] = process.argv.slice(2);
const llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: file! });
const context = await model.createContext({ contextSize: 256 });
const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
const tokens = model.tokenize(prompt!, true);
const text = await completion.generateCompletion(prompt!, { maxTokens: 16, temperature: 0, seed: 0 });

let chat: { wrapper: string; text: string; tokens: number[] } | null = null;
if (messagesJson) {
  const messages = JSON.parse(messagesJson) as { role: 'system' | 'user'; content: string }[];
  const chatHistory: ChatHistoryItem[] = [
    ...messages.map((m): ChatHistoryItem => (m.role === 'system' ? { type: 'system', text: m.content } : { type: 'user', text: m.content })),
    { type: 'model', response: [] }, // the answer about to be generated
  ];
  const wrapper = resolveChatWrapper(model);
  const { contextText } = wrapper.generateContextState({ chatHistory });
  // BOS is a token, not text, in the wrapper's prompt: write it as the vocabulary spells it ("<s>"),
  // or as nothing for a model without one.
  const text = contextText.values.map((v) => (v instanceof SpecialToken ? model.detokenize(v.tokenize(model.tokenizer), true) : typeof v === 'string' ? v : v.value)).join('');
  chat = { wrapper: wrapper.wrapperName, text, tokens: [...contextText.tokenize(model.tokenizer)] };
}
process.stdout.write(`${JSON.stringify({ ok: true, architecture: model.fileInfo.metadata.general.architecture, tokens: [...tokens], generated: text, chat })}\n`);
await context.dispose();
await model.dispose();
await llama.dispose();
