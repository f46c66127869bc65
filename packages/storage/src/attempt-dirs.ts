import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A worker's per-attempt scratch directories carry the pid of the process that made them
 * (`refinery-<what>-p<pid>-XXXXXX`), so one that died mid-attempt (kill -9, out of memory) can
 * be told apart from one still in use and its partial files removed when a worker starts.
 */
const ATTEMPT_DIR = /^refinery-.+-p(\d+)-[A-Za-z0-9]{6}$/;

/** A fresh attempt directory under `root` named `refinery-<what>-p<pid>-XXXXXX`; the caller removes it. */
export async function makeAttemptDir(root: string, what: string): Promise<string> {
  await mkdir(root, { recursive: true });
  return mkdtemp(join(root, `refinery-${what}-p${process.pid}-`));
}

/**
 * Removes attempt directories under `root` whose process is gone, or is this one (a restarted
 * container's worker often gets the same pid as the one before it; at start it has no attempts
 * yet). Call it once at start, before taking work. Scratch must be local to the host: a pid says
 * nothing about another host's processes. Returns the names removed.
 */
export async function removeStaleAttemptDirs(root: string): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const stale = names.filter((name) => {
    const pid = Number(ATTEMPT_DIR.exec(name)?.[1] ?? NaN);
    return Number.isInteger(pid) && (pid === process.pid || !isRunning(pid));
  });
  for (const name of stale) await rm(join(root, name), { recursive: true, force: true });
  return stale;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}
