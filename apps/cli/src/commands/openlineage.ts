import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Command } from 'commander';
import type { ApiError } from '@refinery/core';
import { ApiRequestError } from '../api-client';
import { loadToken } from '../credentials';
import type { GlobalOpts } from './auth';

/** Counts the lines (events) flowing through, for the summary. */
function lineCounter() {
  let lines = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      for (const byte of chunk) if (byte === 0x0a) lines++;
      done(null, chunk);
    },
  });
  return { stream, count: () => lines };
}

async function fetchEvents(apiUrl: string, query: URLSearchParams): Promise<Response> {
  const token = loadToken(apiUrl);
  let res: Response;
  try {
    res = await fetch(new URL(`/api/v1/openlineage/events?${query}`, apiUrl), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    throw new ApiRequestError(0, null, `cannot reach the Refinery API at ${apiUrl} (${(err as Error).cause ?? (err as Error).message}); is it running? Set --api-url or REFINERY_API_URL`);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as ApiError | null;
    const hint = res.status === 401 ? '\n  run `refinery login`, or set REFINERY_TOKEN to an API token' : '';
    throw new ApiRequestError(res.status, body, `${body?.error?.message ?? `HTTP ${res.status}`}${hint}`);
  }
  return res;
}

export function openlineageCommand(globals: () => GlobalOpts): Command {
  const openlineage = new Command('openlineage').description('OpenLineage 2-0-2 events of runs and their stages (for Marquez or any OpenLineage consumer)');
  openlineage
    .command('export')
    .description("a project's events (or one run's) as JSON Lines, one RunEvent per line in the order they were emitted; to stdout, or to a file written under a temporary name and renamed when complete")
    .requiredOption('-p, --project <project>', 'the project')
    .option('--run <id>', "only this run's events")
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (o: { project: string; run?: string; output?: string }) => {
      const { apiUrl } = globals();
      const res = await fetchEvents(apiUrl, new URLSearchParams({ project: o.project, ...(o.run ? { run: o.run } : {}) }));
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      if (!o.output) return pipeline(body, process.stdout);
      const counter = lineCounter();
      const tmp = `${o.output}.${process.pid}.part`;
      try {
        await pipeline(body, counter.stream, createWriteStream(tmp));
        await rename(tmp, o.output);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      console.error(`wrote ${counter.count()} OpenLineage event(s) to ${o.output}`);
    });
  return openlineage;
}
