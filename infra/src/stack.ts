import type { ChildProcess } from 'node:child_process';
import { spawnTied } from './processes';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { connect } from '@refinery/db';
import { runMigrations } from '@refinery/db/migrate';
import { startEmbeddedPostgres, type RunningPostgres } from './postgres';
import { freePort, waitFor } from './ports';
import { startTemporalDevServer, stopChild, type RunningTemporal } from './temporal';
import { loadToolchain, REPO_ROOT } from './toolchain';
import { ensureWebBuild } from './web-build';

export interface StackOptions {
  /** Where Postgres data, objects and uploads live. */
  dataDir: string;
  webPort?: number;
  temporalPort?: number;
  temporalUiPort?: number;
  postgresPort?: number;
  /** Keep Temporal state in a SQLite file under dataDir (npm start) or in memory (tests). */
  persistTemporal: boolean;
  /** Which long-running processes to start besides Postgres and Temporal. */
  processes: { pipelineWorker: boolean; gpuWorker: boolean; web: boolean };
  log: (source: string, line: string) => void;
  /** Next.js build directory under apps/web (tests use their own). */
  webDistDir?: string;
}

export interface Stack {
  env: Record<string, string>;
  urls: { web: string; apiDocs: string; temporalUi: string | null };
  children: Map<string, ChildProcess>;
  stop(): Promise<void>;
}

/**
 * Starts the whole platform on embedded defaults: Postgres (or DATABASE_URL), the Temporal
 * dev server (or TEMPORAL_ADDRESS), migrations, workers and the web app. Each piece is a
 * separate process configured only through env, as in production.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const toolchain = loadToolchain();
  const stops: (() => Promise<void>)[] = [];
  const children = new Map<string, ChildProcess>();
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err) => o.log('stack', `stop failed: ${(err as Error).message}`));
  };
  try {
    await mkdir(o.dataDir, { recursive: true });
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const port = o.postgresPort ?? (await freePort());
      const pg: RunningPostgres = await startEmbeddedPostgres({ dataDir: join(o.dataDir, 'postgres'), port, log: (l) => o.log('postgres', l) });
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }
    const database = connect(databaseUrl, { max: 2 });
    await runMigrations(database);
    await database.close();

    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    let temporalUi: string | null = null;
    if (!temporalAddress) {
      const t: RunningTemporal = await startTemporalDevServer({
        cli: toolchain.temporal,
        port: o.temporalPort ?? (await freePort()),
        uiPort: o.temporalUiPort,
        dbFile: o.persistTemporal ? join(o.dataDir, 'temporal.sqlite') : undefined,
        log: (l) => o.log('temporal', l),
      });
      stops.push(t.stop);
      temporalAddress = t.address;
      temporalUi = t.uiUrl;
    }

    const webPort = o.webPort ?? (await freePort());
    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
      OBJECT_STORE_URL: process.env.OBJECT_STORE_URL ?? join(o.dataDir, 'objects'),
      REFINERY_DATA_ROOTS: process.env.REFINERY_DATA_ROOTS ?? ['examples', join(o.dataDir, 'uploads')].join(':'),
      REFINERY_BASE_DIR: REPO_ROOT,
      REFINERY_PYTHON: toolchain.python,
      PORT: String(webPort),
    };

    const launch = (name: string, args: string[], cwd = REPO_ROOT) => {
      const child = spawnTied(process.execPath, args, { cwd, env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: o.webDistDir ?? '.next' }, stdio: ['ignore', 'pipe', 'pipe'] });
      const forward = (b: Buffer) => b.toString().split('\n').filter(Boolean).forEach((l) => o.log(name, l));
      child.stdout!.on('data', forward);
      child.stderr!.on('data', forward);
      child.on('exit', (code, signal) => o.log(name, `exited (${signal ?? code})`));
      children.set(name, child);
      stops.push(() => stopChild(child));
      return child;
    };
    if (o.processes.pipelineWorker) launch('pipeline', ['--import', 'tsx', 'workers/pipeline/src/main.ts']);
    if (o.processes.gpuWorker) launch('gpu', ['--import', 'tsx', 'workers/gpu/src/main.ts']);
    const webUrl = `http://127.0.0.1:${webPort}`;
    if (o.processes.web) {
      ensureWebBuild((l) => o.log('web', l), o.webDistDir);
      const web = launch('web', [resolve(REPO_ROOT, 'node_modules/next/dist/bin/next'), 'start', '-p', String(webPort), '-H', '127.0.0.1'], join(REPO_ROOT, 'apps/web'));
      await waitFor(
        `web app on ${webUrl}`,
        async () => {
          if (web.exitCode !== null) throw new Error(`web app exited with ${web.exitCode}`);
          return (await fetch(`${webUrl}/api/v1/openapi.json`)).ok;
        },
        120_000,
      );
    }
    return { env, urls: { web: webUrl, apiDocs: `${webUrl}/docs`, temporalUi }, children, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
