import type { ChildProcess } from 'node:child_process';
import { spawnTied } from './processes';
import { Connection } from '@temporalio/client';
import { waitFor } from './ports';

export interface RunningTemporal {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * The Temporal CLI dev server (a real Temporal server in one binary). With `dbFile` its
 * state survives restarts; without, it is in memory (tests).
 */
export async function startTemporalDevServer(o: {
  cli: string;
  port: number;
  uiPort?: number;
  dbFile?: string;
  namespace?: string;
  log?: (line: string) => void;
}): Promise<RunningTemporal> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port), '--namespace', o.namespace ?? 'default', '--log-level', 'warn'];
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  if (o.uiPort) args.push('--ui-port', String(o.uiPort));
  else args.push('--headless');
  const child = spawnTied(o.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const onData = (b: Buffer) => b.toString().split('\n').filter(Boolean).forEach((l) => o.log?.(l));
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exited: string | null = null;
  child.on('exit', (code, sig) => (exited = `exited with ${sig ?? code}`));
  const address = `127.0.0.1:${o.port}`;
  await waitFor(
    `Temporal dev server on ${address}`,
    async () => {
      if (exited) throw new Error(`temporal ${exited}`);
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return true;
      } finally {
        await conn.close();
      }
    },
    60_000,
    500,
  );
  return {
    address,
    uiUrl: o.uiPort ? `http://127.0.0.1:${o.uiPort}` : null,
    process: child,
    stop: () => stopChild(child),
  };
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
