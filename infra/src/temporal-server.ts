import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ensureNamespace, temporalConnectionFromConfig } from '@refinery/temporal';
import { freePort, freePortInRange, waitFor } from './ports';
import { spawnTied, stopChild, supervise } from './processes';
import { STARTUP_TIMEOUTS_S, startupTimeoutMs } from './startup';
import type { RunningTemporal } from './temporal';

const run = promisify(execFile);

/** The two databases a Temporal Server keeps on Postgres: execution state and visibility. */
export const TEMPORAL_DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

/** Where a Temporal Server's Postgres is; the role must be able to create databases. */
export interface TemporalPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function temporalPostgresFromUrl(databaseUrl: string): TemporalPostgres {
  const u = new URL(databaseUrl);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

/**
 * A real Temporal Server (the `temporal-server` binary, all four services in one process) on
 * dedicated Postgres databases, as production runs it, unlike the CLI's dev server on SQLite.
 * The schema is created and migrated with Temporal's own `temporal-sql-tool` (idempotent: a
 * restart on the same databases only applies newer schema versions), then the namespace is
 * registered if it is new.
 */
export async function startTemporalServer(o: {
  server: string;
  sqlTool: string;
  postgres: TemporalPostgres;
  /** The server's config file and its logs go here. */
  dataDir: string;
  port: number;
  namespace?: string;
  log?: (line: string) => void;
}): Promise<RunningTemporal & { metricsUrl: string }> {
  const namespace = o.namespace ?? 'default';
  await mkdir(o.dataDir, { recursive: true });
  await setUpSchemas(o.sqlTool, o.postgres, o.log);

  const ports = { metrics: await freePort(), http: await freePort() };
  // Membership ports are stored in a smallint column (cluster_membership.rpc_port): below 32768.
  const rpc = async (grpcPort?: number) => ({ grpcPort: grpcPort ?? (await freePort()), membershipPort: await freePortInRange(20000, 32768), bindOnLocalHost: true });
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${o.postgres.host}:${o.postgres.port}`,
      connectProtocol: 'tcp',
      user: o.postgres.user,
      password: o.postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const address = `127.0.0.1:${o.port}`;
  // YAML is a superset of JSON: the server's YAML loader reads this as written.
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4, // fixed once the schema holds data; production sizes it up front (docs/deploy.md)
      datastores: { 'postgres-default': datastore(TEMPORAL_DATABASES.default, 20), 'postgres-visibility': datastore(TEMPORAL_DATABASES.visibility, 4) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` } },
    },
    services: {
      frontend: { rpc: { ...(await rpc(o.port)), httpPort: ports.http } },
      matching: { rpc: await rpc() },
      history: { rpc: await rpc() },
      worker: { rpc: await rpc() },
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: address } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
  };
  const configFile = join(o.dataDir, 'temporal-server.yaml');
  await writeFile(configFile, JSON.stringify(config, null, 2), { mode: 0o600 }); // it holds the database password

  const child = spawnTied(o.server, ['--config-file', configFile, '--allow-no-auth', 'start'], { cwd: o.dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const server = supervise('temporal server', child, (l) => o.log?.(l));
  try {
    await waitFor(
      `its gRPC frontend on ${address} to answer getSystemInfo and namespace "${namespace}" to be usable`,
      () => namespaceReady(address, namespace),
      startupTimeoutMs(STARTUP_TIMEOUTS_S.temporal),
      { service: 'temporal server', intervalMs: 1000, tail: () => server.tail.last(40), exited: server.exited },
    );
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { address, uiUrl: null, metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`, process: child, stop: () => stopChild(child) };
}

/** Creates the databases if missing, sets up versioning once, then applies every newer schema version. */
async function setUpSchemas(sqlTool: string, p: TemporalPostgres, log?: (line: string) => void) {
  const admin = new pg.Client({ host: p.host, port: p.port, user: p.user, password: p.password, database: 'postgres' });
  await admin.connect();
  const existing = new Set<string>();
  try {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database');
    for (const r of rows) existing.add(r.datname);
  } finally {
    await admin.end();
  }
  const schemas = [
    [TEMPORAL_DATABASES.default, 'postgresql/v12/temporal'],
    [TEMPORAL_DATABASES.visibility, 'postgresql/v12/visibility'],
  ] as const;
  for (const [database, schemaName] of schemas) {
    // The password goes through the environment, not argv (visible to every local user in ps).
    const tool = (args: string[]) =>
      run(sqlTool, ['--plugin', 'postgres12', '--ep', p.host, '--port', String(p.port), '--user', p.user, '--db', database, ...args], {
        env: { ...process.env, SQL_PASSWORD: p.password },
      }).catch((err: Error & { stderr?: string }) => {
        throw new Error(`temporal-sql-tool ${args[0]} on database ${database} failed: ${(err.stderr || err.message).trim().split('\n').slice(-5).join('\n')}`);
      });
    if (!existing.has(database)) {
      await tool(['create-database']);
      await tool(['setup-schema', '-v', '0.0']);
      log?.(`created database ${database}`);
    }
    await tool(['update-schema', '--schema-name', schemaName]);
  }
}

/** True once the frontend answers and the namespace is usable (registered if new). */
async function namespaceReady(address: string, namespace: string): Promise<boolean> {
  // A bare connection: these calls carry no payloads, so it needs no keys.
  const connection = await temporalConnectionFromConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace }, { connectTimeoutMs: 2000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return await ensureNamespace(connection, namespace);
  } finally {
    await connection.close();
  }
}
