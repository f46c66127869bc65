import type { ChildProcess } from 'node:child_process';
import { spawnTied, supervise, type Supervised } from './processes';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateSigningKeyPem } from '@refinery/core';
import { connect } from '@refinery/db';
import { runMigrations } from '@refinery/db/migrate';
import { startEmbeddedPostgres, type RunningPostgres } from './postgres';
import { freePort, waitFor } from './ports';
import { STARTUP_TIMEOUTS_S, startupTimeoutMs, withStartupTimeout } from './startup';
import { startTemporalDevServer, stopChild, type RunningTemporal } from './temporal';
import { startTemporalServer, temporalPostgresFromUrl } from './temporal-server';
import { loadToolchain, REPO_ROOT } from './toolchain';
import { ensureWebBuild } from './web-build';

/** The cluster topology's GPU pools unless StackOptions.gpuPools names others. */
const CLUSTER_GPU_POOLS = ['default', 'large'];

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
  /**
   * `embedded` (default): one process of each kind on the Temporal CLI's dev server (SQLite).
   * `cluster`: production's shape on one host: a real Temporal Server on its own Postgres
   * databases, two web processes, two pipeline workers and a GPU worker per pool in `gpuPools`.
   */
  topology?: 'embedded' | 'cluster';
  /** cluster: one GPU worker per pool (default: default, large). */
  gpuPools?: string[];
  log: (source: string, line: string) => void;
  /** Next.js build directory under apps/web (tests use their own). */
  webDistDir?: string;
  /** The URL users open (cookies and the CSRF origin check use it); default http://127.0.0.1:<webPort>. */
  publicUrl?: string;
  /** More environment for every process (e.g. OIDC settings). */
  extraEnv?: Record<string, string>;
}

export interface Stack {
  env: Record<string, string>;
  /** `webReplicas`: every web process (one, or two in the cluster topology; `web` is the first). */
  urls: {
    web: string;
    webReplicas: string[];
    apiDocs: string;
    temporalUi: string | null;
    /** Each process's Prometheus endpoint by process name (`web`, `pipeline`, `gpu`, `pipeline-2`...); scrapes send env.REFINERY_METRICS_TOKEN. */
    metrics: Record<string, string>;
  };
  children: Map<string, ChildProcess>;
  /**
   * Restarts one piece in place, on the same port and data, and resolves once it serves again:
   * `postgres` (embedded), `temporal` (the dev server, which keeps its state only with
   * persistTemporal, or the cluster's Temporal Server), or a worker by process name (`pipeline`,
   * `gpu`, `pipeline-2`...), which is respawned with the same environment (e.g. after a kill -9).
   * `whileDown` runs after the stop and before the start (an outage of that length).
   * The fault matrix (test/faults/fault-matrix.test.ts) uses it.
   */
  restart(piece: string, whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the whole platform on embedded defaults: Postgres (or DATABASE_URL), the Temporal
 * dev server (or TEMPORAL_ADDRESS), migrations, workers and the web app. Each piece is a
 * separate process configured only through env, as in production.
 *
 * Every wait has a deadline sized for a loaded machine (STARTUP_TIMEOUTS_S, scaled by
 * REFINERY_STARTUP_TIMEOUT_SCALE): a service that does not come up, or whose process exits
 * first, fails the start with a StartupError naming it, what was awaited, for how long, and the
 * last 40 lines of its output; everything started so far is stopped.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const toolchain = loadToolchain();
  const stops: (() => Promise<void>)[] = [];
  const children = new Map<string, ChildProcess>();
  /** What `restart` can stop and start again, by piece name. */
  const restarts = new Map<string, { down(): Promise<void>; up(): Promise<void> }>();
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err) => o.log('stack', `stop failed: ${(err as Error).message}`));
  };
  try {
    await mkdir(o.dataDir, { recursive: true });
    let databaseUrl = process.env.DATABASE_URL;
    let pg: RunningPostgres | undefined;
    if (!databaseUrl) {
      const port = o.postgresPort ?? (await freePort());
      const startPostgres = () => startEmbeddedPostgres({ dataDir: join(o.dataDir, 'postgres'), port, log: (l) => o.log('postgres', l) });
      pg = await startPostgres();
      stops.push(() => pg!.stop());
      restarts.set('postgres', { down: () => pg!.stop(), up: async () => void (pg = await startPostgres()) });
      databaseUrl = pg.url;
    }
    const database = connect(databaseUrl, { max: 2 });
    try {
      await withStartupTimeout(runMigrations(database), {
        service: 'database migrations',
        waitingFor: `the migrations to apply on ${pg ? 'the embedded Postgres' : 'DATABASE_URL'}`,
        timeoutMs: startupTimeoutMs(STARTUP_TIMEOUTS_S.migrations),
        tail: pg ? () => pg!.tail.last(40) : undefined,
      });
    } finally {
      await database.close().catch(() => {});
    }

    const webPort = o.webPort ?? (await freePort());
    const cluster = o.topology === 'cluster';
    const webPorts = cluster ? [webPort, await freePort()] : [webPort];
    const publicUrl = process.env.REFINERY_PUBLIC_URL ?? o.publicUrl ?? `http://127.0.0.1:${webPort}`;
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    let temporalUi: string | null = null;
    if (!temporalAddress && cluster) {
      if (!toolchain.temporalServer || !toolchain.temporalSqlTool) throw new Error('the cluster topology needs TEMPORAL_SERVER and TEMPORAL_SQL_TOOL: run `bash scripts/bootstrap` (npm start and npm test do this)');
      const options = {
        server: toolchain.temporalServer,
        sqlTool: toolchain.temporalSqlTool,
        postgres: temporalPostgresFromUrl(databaseUrl),
        dataDir: join(o.dataDir, 'temporal-server'),
        port: o.temporalPort ?? (await freePort()),
        log: (l: string) => o.log('temporal', l),
      };
      let t = await startTemporalServer(options);
      stops.push(() => t.stop());
      restarts.set('temporal', { down: () => t.stop(), up: async () => void (t = await startTemporalServer(options)) });
      temporalAddress = t.address;
    } else if (!temporalAddress) {
      const options = {
        cli: toolchain.temporal,
        port: o.temporalPort ?? (await freePort()),
        uiPort: o.temporalUiPort,
        // The Web UI decodes encrypted payloads through the dashboard (instance admins only).
        uiCodecEndpoint: `${publicUrl}/api/v1/temporal/codec`,
        dbFile: o.persistTemporal ? join(o.dataDir, 'temporal.sqlite') : undefined,
        log: (l: string) => o.log('temporal', l),
      };
      let t: RunningTemporal = await startTemporalDevServer(options);
      stops.push(() => t.stop());
      restarts.set('temporal', { down: () => t.stop(), up: async () => void (t = await startTemporalDevServer(options)) });
      temporalAddress = t.address;
      temporalUi = t.uiUrl;
    }

    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
      OBJECT_STORE_URL: process.env.OBJECT_STORE_URL ?? join(o.dataDir, 'objects'),
      REFINERY_DATA_ROOTS: process.env.REFINERY_DATA_ROOTS ?? ['examples', join(o.dataDir, 'uploads')].join(':'),
      REFINERY_BASE_DIR: REPO_ROOT,
      REFINERY_PYTHON: toolchain.python,
      ...(toolchain.llamaCpp ? { REFINERY_LLAMA_CPP: toolchain.llamaCpp } : {}),
      PORT: String(webPort),
      REFINERY_AUTH_SECRET: process.env.REFINERY_AUTH_SECRET ?? authSecret(o.dataDir),
      REFINERY_METRICS_TOKEN: process.env.REFINERY_METRICS_TOKEN ?? metricsToken(o.dataDir),
      REFINERY_AUDIT_SIGNING_KEY: process.env.REFINERY_AUDIT_SIGNING_KEY ?? auditSigningKey(o.dataDir),
      REFINERY_PUBLIC_URL: publicUrl,
      // The dashboard answers on both loopback names; a cookie write from either is same-site.
      ...(cluster ? { REFINERY_GPU_POOLS: (o.gpuPools ?? CLUSTER_GPU_POOLS).join(',') } : {}),
      REFINERY_TRUSTED_ORIGINS: process.env.REFINERY_TRUSTED_ORIGINS ?? webPorts.flatMap((p) => [`http://127.0.0.1:${p}`, `http://localhost:${p}`]).join(','),
      ...payloadKeyEnv(o.dataDir),
      // The dev server's Web UI calls the codec endpoint from its own origin, under either loopback name.
      ...((process.env.REFINERY_TEMPORAL_UI_ORIGIN ?? temporalUi)
        ? { REFINERY_TEMPORAL_UI_ORIGIN: process.env.REFINERY_TEMPORAL_UI_ORIGIN ?? [temporalUi!, temporalUi!.replace('127.0.0.1', 'localhost')].join(',') }
        : {}),
      ...o.extraEnv,
    };

    const launched: Supervised[] = [];
    const launch = (name: string, service: string, args: string[], cwd = REPO_ROOT, ownEnv: Record<string, string> = {}) => {
      const child = spawnTied(process.execPath, args, { cwd, env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: o.webDistDir ?? '.next', ...ownEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      const supervised = supervise(service, child, (l) => o.log(name, l));
      child.on('exit', (code, signal) => o.log(name, `exited (${signal ?? code})`));
      children.set(name, child);
      stops.push(() => stopChild(child));
      launched.push(supervised);
      return supervised;
    };
    /** Fails as soon as any process launched so far exits, while `step` runs. */
    const unlessOneExits = <T>(step: Promise<T>, what: string) => launched.reduce((p, s) => s.failOnExit(p, what), step);

    // Workers print "polling <task queue>" once they poll; they come up while the web app builds.
    const workerReady = /\bpolling\b/;
    const workers: Supervised[] = [];
    // Every worker serves /metrics on a loopback port of its own (the token is in env).
    const metrics: Record<string, string> = {};
    const metricsEnv = async (name: string) => {
      const port = await freePort();
      metrics[name] = `http://127.0.0.1:${port}/metrics`;
      return { REFINERY_METRICS_PORT: String(port), REFINERY_METRICS_HOST: '127.0.0.1' };
    };
    // Process names: `pipeline`, `gpu`, `web`; in the cluster topology `pipeline-1`, `gpu-<pool>`, `web-2`...
    const pipelineNames = cluster ? ['pipeline-1', 'pipeline-2'] : ['pipeline'];
    const gpuPools = cluster ? (o.gpuPools ?? CLUSTER_GPU_POOLS) : [null];
    /** Starts a worker; `restart(name)` stops what is left of it and starts it again the same way. */
    const launchWorker = (name: string, service: string, main: string, ownEnv: Record<string, string>) => {
      restarts.set(name, {
        down: () => stopChild(children.get(name)!),
        up: () => launch(name, service, ['--import', 'tsx', main], REPO_ROOT, ownEnv).waitForLine(workerReady, 'its "polling <task queue>" log line', startupTimeoutMs(STARTUP_TIMEOUTS_S.worker)),
      });
      return launch(name, service, ['--import', 'tsx', main], REPO_ROOT, ownEnv);
    };
    if (o.processes.pipelineWorker) for (const name of pipelineNames) workers.push(launchWorker(name, `${name} worker`, 'workers/pipeline/src/main.ts', await metricsEnv(name)));
    if (o.processes.gpuWorker) {
      for (const pool of gpuPools) {
        const name = pool ? `gpu-${pool}` : 'gpu';
        workers.push(launchWorker(name, pool ? `gpu worker (pool ${pool})` : 'gpu worker', 'workers/gpu/src/main.ts', { ...(pool ? { GPU_POOL: pool } : {}), ...(await metricsEnv(name)) }));
      }
    }
    const webUrls = webPorts.map((p) => `http://127.0.0.1:${p}`);
    const webUrl = webUrls[0]!;
    const ready: Promise<void>[] = [];
    if (o.processes.web) {
      const abortBuild = new AbortController();
      await unlessOneExits(ensureWebBuild((l) => o.log('web', l), o.webDistDir, abortBuild.signal), 'the web app build to finish').catch((err: unknown) => {
        abortBuild.abort();
        throw err;
      });
      for (const [i, port] of webPorts.entries()) {
        const name = cluster ? `web-${i + 1}` : 'web';
        metrics[name] = `${webUrls[i]}/metrics`;
        const web = launch(name, cluster ? `web app ${i + 1}` : 'web app', [resolve(REPO_ROOT, 'node_modules/next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1'], join(REPO_ROOT, 'apps/web'), { PORT: String(port) });
        const probe = `${webUrls[i]}/api/v1/openapi.json`;
        ready.push(
          waitFor(`HTTP 200 from ${probe}`, async () => (await fetch(probe, { signal: AbortSignal.timeout(10_000) })).ok, startupTimeoutMs(STARTUP_TIMEOUTS_S.web), {
            service: web.service,
            tail: () => web.tail.last(40),
            exited: web.exited,
          }),
        );
      }
    }
    // The worker deadlines start after the build, so a long build on a busy machine does not eat them.
    for (const w of workers) ready.push(w.waitForLine(workerReady, 'its "polling <task queue>" log line', startupTimeoutMs(STARTUP_TIMEOUTS_S.worker)));
    await Promise.all(ready);
    const restart = async (piece: string, whileDown?: () => Promise<void>) => {
      const target = restarts.get(piece);
      if (!target) throw new Error(`restart("${piece}"): this stack has no such piece; it can restart ${[...restarts.keys()].join(', ')}`);
      o.log('stack', `restarting ${piece}`);
      await target.down();
      try {
        await whileDown?.();
      } finally {
        await target.up(); // back up even when the caller's check failed, so the stack stays whole
      }
      o.log('stack', `${piece} restarted`);
    };
    return { env, urls: { web: webUrl, webReplicas: webUrls, apiDocs: `${webUrl}/docs`, temporalUi, metrics }, children, restart, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The Temporal payload encryption keys: REFINERY_PAYLOAD_KEYS/REFINERY_PAYLOAD_KEY_ID from the
 * environment when set (production, or a rotation), else embedded mode's key, made once and kept
 * in <dataDir>/payload-key (0600) as `<id>:<base64>`: losing it makes the kept Temporal history
 * unreadable, as losing the Temporal database would.
 */
function payloadKeyEnv(dataDir: string): { REFINERY_PAYLOAD_KEYS: string; REFINERY_PAYLOAD_KEY_ID: string } {
  if (process.env.REFINERY_PAYLOAD_KEYS) {
    return { REFINERY_PAYLOAD_KEYS: process.env.REFINERY_PAYLOAD_KEYS, REFINERY_PAYLOAD_KEY_ID: process.env.REFINERY_PAYLOAD_KEY_ID ?? '' };
  }
  const file = join(dataDir, 'payload-key');
  if (!existsSync(file)) writeFileSync(file, `local-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}`, { mode: 0o600 });
  const entry = readFileSync(file, 'utf8').trim();
  return { REFINERY_PAYLOAD_KEYS: entry, REFINERY_PAYLOAD_KEY_ID: entry.slice(0, entry.indexOf(':')) };
}

/** Embedded mode's session-signing secret: made once, kept in <dataDir>/auth-secret (0600). */
function authSecret(dataDir: string): string {
  const file = join(dataDir, 'auth-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** Embedded mode's /metrics scrape token: made once, kept in <dataDir>/metrics-token (0600); Prometheus reads it from there too. */
function metricsToken(dataDir: string): string {
  const file = join(dataDir, 'metrics-token');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** Embedded mode's audit checkpoint key (Ed25519, PKCS#8 PEM): made once, kept in <dataDir>/audit-signing-key.pem (0600). */
function auditSigningKey(dataDir: string): string {
  const file = join(dataDir, 'audit-signing-key.pem');
  if (!existsSync(file)) writeFileSync(file, generateSigningKeyPem(), { mode: 0o600 });
  return readFileSync(file, 'utf8');
}
