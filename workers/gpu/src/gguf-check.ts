import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface GgufProbe {
  ok: boolean;
  architecture: string | null;
  tokens: number[];
  generated: string | null;
  /** With chat messages: node-llama-cpp's chat wrapper for the file, the prompt it builds and its ids. */
  chat: { wrapper: string; text: string; tokens: number[] } | null;
  error: string | null;
}

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

const PROBE = fileURLToPath(new URL('./gguf-probe.ts', import.meta.url));

/**
 * Loads a GGUF in node-llama-cpp in a child process and generates from `prompt` (and, given chat
 * messages, builds the chat prompt its chat wrapper would): proof the file works in the runtime
 * that ships to laptops, without risking this process on a bad file.
 */
export function probeGguf(file: string, prompt: string, chat?: readonly ChatMessage[], timeoutMs = 120_000): Promise<GgufProbe> {
  const args = ['--import', 'tsx', PROBE, file, prompt, ...(chat ? [JSON.stringify(chat)] : [])];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1);
      if (!err && line) {
        try {
          const r = JSON.parse(line) as Pick<GgufProbe, 'architecture' | 'tokens' | 'generated' | 'chat'>;
          return resolve({ ok: true, architecture: r.architecture, tokens: r.tokens, generated: r.generated, chat: r.chat, error: null });
        } catch {
          /* fall through: not the probe's line */
        }
      }
      const why = err?.killed ? `timed out after ${timeoutMs / 1000}s` : (stderr.trim().split('\n').slice(-3).join(' | ') || err?.message || 'no output');
      resolve({ ok: false, architecture: null, tokens: [], generated: null, chat: null, error: `node-llama-cpp could not load ${file}: ${why}` });
    });
  });
}
