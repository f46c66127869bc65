import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import type { GenerateRequest, ModelDetail } from '@refinery/core';
import { audit } from '@refinery/db';
import type { ServerContext } from './context';
import { HttpError } from './http';

/**
 * The playground: one chat turn with a version's GGUF through node-llama-cpp in a child process,
 * streamed to the page as server-sent events. The file is copied out of the object store once
 * (checked against its sha256) into a cache; turns are bounded per project (a concurrency limit
 * on this server, REFINERY_PLAYGROUND_CONCURRENCY) and by maxTokens.
 */
// The runner is a plain script started with `node`, not bundled: found from the web app's directory at run time.
const CHILD = ['lib/server/playground-child.mjs', 'apps/web/lib/server/playground-child.mjs'].map((p) => join(/*turbopackIgnore: true*/ process.cwd(), p)).find((p) => existsSync(p));
const CACHE = join(tmpdir(), 'refinery-playground');

/** Turns running per project on this server; `take` gives a release function, or null when full. */
export class ProjectSlots {
  private readonly running = new Map<string, number>();
  constructor(private readonly limit: number) {}
  take(project: string): (() => void) | null {
    const busy = this.running.get(project) ?? 0;
    if (busy >= this.limit) return null;
    this.running.set(project, busy + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running.set(project, (this.running.get(project) ?? 1) - 1);
    };
  }
}
let slots: ProjectSlots | undefined;

async function cachedGguf(ctx: ServerContext, sha256: string): Promise<string> {
  const path = join(CACHE, `${sha256}.gguf`);
  if (existsSync(path)) return path;
  await mkdir(CACHE, { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const hash = createHash('sha256');
  const source = await ctx.sources.store.get(sha256);
  source.on('data', (chunk: Buffer) => hash.update(chunk));
  await pipeline(source, createWriteStream(tmp));
  if (hash.digest('hex') !== sha256) {
    await rm(tmp, { force: true });
    throw new HttpError(500, 'corrupt_object', `the stored GGUF does not match its sha256 ${sha256}`);
  }
  await rename(tmp, path);
  return path;
}

export async function playgroundTurn(ctx: ServerContext, model: ModelDetail, versionParam: string | undefined, request: GenerateRequest, actor: string, signal: AbortSignal): Promise<Response> {
  const version = model.versions.find((v) => String(v.version) === versionParam);
  if (!version) throw new HttpError(404, 'not_found', `model ${model.name} has no version ${JSON.stringify(versionParam)}`);
  const files = [...version.record.ggufs].sort((a, b) => a.bytes - b.bytes);
  if (!files.length) throw new HttpError(409, 'no_gguf', `${model.name} v${version.version} has no GGUF file to chat with (its run had no quantization section)`);
  const gguf = request.format ? files.find((f) => f.format.toLowerCase() === request.format!.toLowerCase()) : files[0];
  if (!gguf) throw new HttpError(400, 'unknown_format', `${model.name} v${version.version} has no ${request.format} file; it has ${files.map((f) => f.format).join(', ')}`);
  if (!CHILD) throw new HttpError(500, 'server_misconfigured', 'the playground runner (playground-child.mjs) is missing from this build');
  const limit = ctx.config.REFINERY_PLAYGROUND_CONCURRENCY;
  slots ??= new ProjectSlots(limit); // the configuration is read once per process
  const release = slots.take(model.project);
  if (!release) throw new HttpError(429, 'playground_busy', `project ${model.project} already has ${limit} playground turn(s) running (the limit); try again when one finishes`);
  try {
    const file = await cachedGguf(ctx, gguf.sha256);
    await audit(ctx.database.db, { actor, action: 'model.playground', subjectType: 'model', subjectId: `${model.project}/${model.name}`, data: { version: version.version, format: gguf.format, maxTokens: request.maxTokens } });
    const child = spawn(process.execPath, [CHILD, file, JSON.stringify({ messages: request.messages, maxTokens: request.maxTokens })], { stdio: ['ignore', 'pipe', 'pipe'] });
    signal.addEventListener('abort', () => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (event: string, data: unknown) => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        send('start', { model: model.name, version: version.version, format: gguf.format, sha256: gguf.sha256 });
        createInterface({ input: child.stdout }).on('line', (line) => {
          try {
            const msg = JSON.parse(line) as { text?: string; done?: unknown };
            if (msg.text !== undefined) send('token', { text: msg.text });
            if (msg.done) send('done', msg.done);
          } catch {
            /* not a protocol line */
          }
        });
        child.on('close', (code) => {
          if (code !== 0 && !signal.aborted) send('error', { message: `node-llama-cpp stopped (exit ${code}): ${stderr.trim().split('\n').slice(-2).join(' | ')}` });
          release();
          controller.close();
        });
      },
      cancel() {
        child.kill('SIGKILL');
        release();
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } });
  } catch (err) {
    release();
    throw err;
  }
}
