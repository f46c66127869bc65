import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';

/**
 * Spawns a child that the kernel sends SIGTERM if this process dies (util-linux setpriv's
 * parent-death signal), so a launcher killed without its shutdown path leaves no orphans.
 */
export function spawnTied(command: string, args: string[], options: SpawnOptions): ChildProcess {
  return existsSync(SETPRIV) ? spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', command, ...args], options) : spawn(command, args, options);
}
