// `node playground-child.mjs <file.gguf> <request JSON>`: one chat turn with a GGUF in
// node-llama-cpp, the runtime users' apps load it with, through the chat wrapper node-llama-cpp
// picks for the file. Prints JSON lines: {"text": chunk} while generating, then {"done": {...}}.
// A child process, so a bad file or an out-of-memory cannot take the web server down, and a
// client that goes away kills it.
import { getLlama, LlamaChatSession, LlamaLogLevel, resolveChatWrapper } from 'node-llama-cpp';

const [file, requestJson] = process.argv.slice(2);
const { messages, maxTokens } = JSON.parse(requestJson);
const started = Date.now();
const llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: file });
const context = await model.createContext({ contextSize: 2048 });
const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n');
const turns = messages.filter((m) => m.role !== 'system');
const session = new LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper: resolveChatWrapper(model), ...(system ? { systemPrompt: system } : {}) });
// Earlier turns become the session's history; the last user turn is the prompt.
const history = session.getChatHistory();
for (const m of turns.slice(0, -1)) history.push(m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] });
session.setChatHistory(history);
let tokens = 0;
await session.prompt(turns.at(-1).content, {
  maxTokens,
  temperature: 0,
  onTextChunk: (text) => {
    tokens += 1;
    process.stdout.write(`${JSON.stringify({ text })}\n`);
  },
});
process.stdout.write(`${JSON.stringify({ done: { chunks: tokens, seconds: (Date.now() - started) / 1000, chatWrapper: session.chatWrapper.wrapperName } })}\n`);
await context.dispose();
await model.dispose();
await llama.dispose();
