import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnTied, stopChild, supervise } from './processes';
import { STARTUP_TIMEOUTS_S, StartupError, startupTimeoutMs, withStartupTimeout } from './startup';
import { REPO_ROOT } from './toolchain';

// The web app and every workspace package it may bundle (a new package is picked up by itself).
const SOURCES = () => ['apps/web', ...readdirSync(join(REPO_ROOT, 'packages')).map((p) => `packages/${p}/src`), 'package-lock.json'];
const SKIP = new Set(['node_modules', 'test-results', 'next-env.d.ts', 'tsconfig.tsbuildinfo']);

/** Hash of everything the web build depends on, so an unchanged tree skips `next build`. */
function sourceHash(): string {
  const h = createHash('sha256');
  const walk = (p: string) => {
    const s = statSync(p);
    if (s.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (!SKIP.has(name) && !name.startsWith('.next')) walk(join(p, name));
    } else {
      h.update(relative(REPO_ROOT, p)).update(readFileSync(p));
    }
  };
  for (const src of SOURCES()) if (existsSync(join(REPO_ROOT, src))) walk(join(REPO_ROOT, src));
  return h.digest('hex');
}

/**
 * Runs `next build` for apps/web unless the last build came from the same sources. Its output
 * goes to `log` line by line; a failed or timed-out build throws a StartupError ending with it.
 * Aborting `signal` stops the build.
 */
export async function ensureWebBuild(log: (line: string) => void, distDir = '.next', signal?: AbortSignal): Promise<void> {
  const web = join(REPO_ROOT, 'apps/web');
  const stamp = join(web, distDir, 'refinery-source-hash');
  const hash = sourceHash();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) {
    log('web app build is up to date');
    return;
  }
  log('building the web app (next build; about a minute on first start, several on a busy machine)...');
  const child = spawnTied(process.execPath, [join(REPO_ROOT, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: web,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: distDir },
  });
  const build = supervise('web app build (next build)', child, log);
  const abort = () => void stopChild(child);
  signal?.addEventListener('abort', abort, { once: true });
  const waitingFor = `next build in apps/web (dist dir ${distDir}) to finish`;
  const timeoutMs = startupTimeoutMs(STARTUP_TIMEOUTS_S.webBuild);
  const started = Date.now();
  const tail = () => build.tail.last(40);
  const status = await withStartupTimeout(build.exit, { service: build.service, waitingFor, timeoutMs, tail, onTimeout: () => stopChild(child) }).finally(() =>
    signal?.removeEventListener('abort', abort),
  );
  if (signal?.aborted) throw new Error('web app build aborted');
  if (status !== 'code 0') throw new StartupError({ service: build.service, waitingFor, waitedMs: Date.now() - started, reason: 'exited', exit: status, tail: tail() });
  writeFileSync(stamp, hash);
}
