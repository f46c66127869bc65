import { createWriteStream } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { makeAttemptDir } from '@refinery/storage';
import type { PipelineDeps } from './deps';

/** Where a pipeline worker writes an attempt's temporary files: REFINERY_SCRATCH_DIR, else the OS temp dir. */
export const scratchRootOf = (deps: PipelineDeps) => deps.scratchRoot ?? tmpdir();

/** A fresh directory for one attempt under the scratch root, `refinery-<what>-p<pid>-XXXXXX` (the caller removes it; a worker that dies leaves it to the next start's sweep). */
export const scratchDir = (deps: PipelineDeps, what: string): Promise<string> => makeAttemptDir(scratchRootOf(deps), what);

/**
 * Writes lines to a file with backpressure, and fails the caller with the stream's error (disk
 * full, say) instead of leaving it unheard: an 'error' event nobody listens to would end the
 * worker process, and an `end()` that swallows it would let a truncated file look complete.
 */
export function lineWriter(path: string) {
  const out = createWriteStream(path);
  let failure: Error | null = null;
  out.on('error', (err) => (failure ??= err));
  return {
    async write(line: string): Promise<void> {
      if (failure) throw failure;
      // `once` rejects when 'error' comes instead of 'drain'.
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    },
    async close(): Promise<void> {
      if (!failure) out.end();
      await finished(out).catch((err: Error) => (failure ??= err));
      if (failure) throw failure;
    },
    /** Closes without caring how (after another error). */
    abandon: () => out.destroy(),
  };
}

/**
 * A full scratch disk as a failure that says so: where, what was being written and what to do.
 * Retryable: another worker, or this one once space is freed, may succeed. Other errors pass as they are.
 */
export function scratchWriteFailure(err: unknown, deps: PipelineDeps, what: string): unknown {
  if ((err as NodeJS.ErrnoException)?.code !== 'ENOSPC') return err;
  return ApplicationFailure.create({
    type: 'ScratchDiskFull',
    message: `no space left on device while writing ${what} to the scratch directory ${scratchRootOf(deps)} on pipeline worker ${hostname()}; nothing was recorded for this attempt. Free space there or point REFINERY_SCRATCH_DIR at a larger volume`,
  });
}
