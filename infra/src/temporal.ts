import type { ChildProcess } from 'node:child_process';
import { spawnTied, stopChild, supervise } from './processes';
import { temporalConnectionFromConfig } from '@refinery/temporal';
import { waitFor } from './ports';
import { STARTUP_TIMEOUTS_S, startupTimeoutMs } from './startup';

export { stopChild };

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
  /** The Web UI's remote codec (decodes encrypted payloads for display). */
  uiCodecEndpoint?: string;
  dbFile?: string;
  namespace?: string;
  log?: (line: string) => void;
}): Promise<RunningTemporal> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port), '--namespace', o.namespace ?? 'default', '--log-level', 'warn'];
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  if (o.uiPort) args.push('--ui-port', String(o.uiPort), ...(o.uiCodecEndpoint ? ['--ui-codec-endpoint', o.uiCodecEndpoint] : []));
  else args.push('--headless');
  const child = spawnTied(o.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = supervise('temporal dev server', child, (l) => o.log?.(l));
  const address = `127.0.0.1:${o.port}`;
  try {
    await waitFor(
      `its gRPC frontend on ${address} to answer getSystemInfo`,
      async () => {
        // A bare connection: the probe carries no payloads, so it needs no keys.
        const connection = await temporalConnectionFromConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: o.namespace ?? 'default' }, { connectTimeoutMs: 2000 });
        try {
          await connection.workflowService.getSystemInfo({});
          return true;
        } finally {
          await connection.close();
        }
      },
      startupTimeoutMs(STARTUP_TIMEOUTS_S.temporal),
      { service: 'temporal dev server', intervalMs: 500, tail: () => server.tail.last(40), exited: server.exited },
    );
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return {
    address,
    uiUrl: o.uiPort ? `http://127.0.0.1:${o.uiPort}` : null,
    process: child,
    stop: () => stopChild(child),
  };
}
