'use client';

import { useRef, useState, type FormEvent } from 'react';
import { buttonClasses } from '@/components/ui';

interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

/**
 * Chat with a version's GGUF (node-llama-cpp on the server, greedy), the reply streamed as it is
 * generated. The conversation stays in the page; each turn sends it whole.
 */
export function Playground({ project, model, version, formats }: { project: string; model: string; version: number; formats: string[] }) {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [input, setInput] = useState('');
  const [format, setFormat] = useState(formats[0] ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);

  async function send(e: FormEvent) {
    e.preventDefault();
    const messages: Turn[] = [...turns, { role: 'user', content: input.trim() }];
    setTurns([...messages, { role: 'assistant', content: '' }]);
    setInput('');
    setError(null);
    setBusy(true);
    abort.current = new AbortController();
    try {
      const res = await fetch(`/api/v1/models/${encodeURIComponent(model)}/versions/${version}/generate?project=${encodeURIComponent(project)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ messages, format, maxTokens: 128 }),
        signal: abort.current.signal,
      });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => null)) as { error?: { message: string } } | null;
        throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const raw = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(raw)?.[1];
          const data = JSON.parse(/^data: (.*)$/m.exec(raw)?.[1] ?? 'null') as { text?: string; message?: string };
          if (event === 'token') setTurns((t) => [...t.slice(0, -1), { role: 'assistant', content: t.at(-1)!.content + data.text }]);
          if (event === 'error') setError(data.message ?? 'generation failed');
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section data-testid="playground" className="space-y-2 rounded border border-slate-200 bg-white p-3 text-sm">
      <header className="flex items-center gap-2">
        <h3 className="font-semibold">Playground: chat with v{version}</h3>
        <label className="text-xs text-slate-600">
          file{' '}
          <select value={format} onChange={(e) => setFormat(e.target.value)} className="rounded border border-slate-300 px-1 py-0.5 text-xs">
            {formats.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </label>
        <span className="text-xs text-slate-500">GGUF in node-llama-cpp, greedy, at most 128 tokens</span>
      </header>
      <ol className="space-y-1" data-testid="playground-turns">
        {turns.map((t, i) => (
          <li key={i} data-role={t.role} className={`whitespace-pre-wrap rounded px-2 py-1 font-mono text-xs ${t.role === 'user' ? 'bg-slate-100' : 'bg-emerald-50'}`}>
            {t.content || (busy && i === turns.length - 1 ? '…' : '')}
          </li>
        ))}
      </ol>
      {error && (
        <p role="alert" className="text-red-700">
          {error}
        </p>
      )}
      <form onSubmit={send} className="flex gap-2">
        <input data-testid="playground-input" value={input} onChange={(e) => setInput(e.target.value)} placeholder="Write a message" className="flex-1 rounded border border-slate-300 px-2 py-1" />
        <button type="submit" data-testid="playground-send" className={buttonClasses.primary} disabled={busy || !input.trim() || !format}>
          Send
        </button>
        {busy && (
          <button type="button" className={buttonClasses.secondary} onClick={() => abort.current?.abort()}>
            Stop
          </button>
        )}
      </form>
    </section>
  );
}
