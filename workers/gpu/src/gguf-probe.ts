/**
 * `node --import tsx gguf-probe.ts <file.gguf> <prompt>`: loads a GGUF with node-llama-cpp (the
 * runtime a user's app loads it with), tokenizes the prompt and generates a few greedy tokens,
 * then prints one JSON line. Run as a child process (`probeGguf`): a malformed GGUF can abort
 * the whole process, and must not take the worker with it.
 */
import { getLlama, LlamaCompletion, LlamaLogLevel } from 'node-llama-cpp';

const [file, prompt] = process.argv.slice(2);
const llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: file! });
const context = await model.createContext({ contextSize: 256 });
const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
const tokens = model.tokenize(prompt!, true);
const text = await completion.generateCompletion(prompt!, { maxTokens: 16, temperature: 0, seed: 0 });
process.stdout.write(`${JSON.stringify({ ok: true, architecture: model.fileInfo.metadata.general.architecture, promptTokens: tokens.length, tokens: [...tokens], generated: text })}\n`);
await context.dispose();
await model.dispose();
await llama.dispose();
