import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeAttemptDir, removeStaleAttemptDirs } from '../src';

describe('attempt directories in scratch', () => {
  it('are named for their process; a start removes those of dead processes and its own pid, and keeps the rest', async () => {
    const root = mkdtempSync(join(tmpdir(), 'attempt-dirs-'));
    const dead = spawnSync('true').pid!; // exited by now
    const mine = await makeAttemptDir(root, 'redact');
    expect(mine).toMatch(new RegExp(`/refinery-redact-p${process.pid}-[A-Za-z0-9]{6}$`));
    const names = {
      dead: `refinery-train-run_x-a1-p${dead}-abc123`,
      alive: `refinery-split-p${process.ppid}-def456`,
      foreign: `somebody-else-p${dead}-abc123`,
    };
    for (const n of Object.values(names)) mkdirSync(join(root, n));
    const removed = await removeStaleAttemptDirs(root);
    expect(removed.sort()).toEqual([names.dead, mine.slice(root.length + 1)].sort());
    expect(existsSync(join(root, names.alive))).toBe(true);
    expect(existsSync(join(root, names.foreign))).toBe(true);
    expect(await removeStaleAttemptDirs(join(root, 'missing'))).toEqual([]);
  });
});
