import { existsSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import type { PipelineDeps } from '../src/activities/deps';
import { lineWriter, scratchWriteFailure } from '../src/activities/scratch';

/** /dev/full answers every write with ENOSPC: a full disk without mounting one. */
describe.skipIf(!existsSync('/dev/full'))('scratch files on a full disk', () => {
  it('the line writer fails its caller with ENOSPC instead of an unheard stream error', async () => {
    const out = lineWriter('/dev/full');
    const written = (async () => {
      for (let i = 0; i < 10_000; i++) await out.write(`{"line": ${i}}`);
      await out.close();
    })();
    await expect(written).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('ENOSPC becomes a ScratchDiskFull failure that names the directory and what to do; other errors pass unchanged', async () => {
    const deps = { scratchRoot: '/mnt/scratch' } as PipelineDeps;
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const failure = scratchWriteFailure(enospc, deps, 'the redacted dataset') as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('ScratchDiskFull');
    expect(failure.nonRetryable).toBeFalsy();
    expect(failure.message).toMatch(/^no space left on device while writing the redacted dataset to the scratch directory \/mnt\/scratch on pipeline worker .+; nothing was recorded for this attempt\. Free space there or point REFINERY_SCRATCH_DIR at a larger volume$/);
    const other = new Error('boom');
    expect(scratchWriteFailure(other, deps, 'x')).toBe(other);
  });
});
