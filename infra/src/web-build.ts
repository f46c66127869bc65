import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './toolchain';

const SOURCES = ['apps/web', 'packages/core/src', 'packages/db/src', 'packages/storage/src', 'package-lock.json'];
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
  for (const src of SOURCES) walk(join(REPO_ROOT, src));
  return h.digest('hex');
}

/** Runs `next build` for apps/web unless the last build came from the same sources. */
export function ensureWebBuild(log: (line: string) => void, distDir = '.next'): void {
  const web = join(REPO_ROOT, 'apps/web');
  const stamp = join(web, distDir, 'refinery-source-hash');
  const hash = sourceHash();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) {
    log('web app build is up to date');
    return;
  }
  log('building the web app (next build; about a minute on first start)...');
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: web,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: distDir },
  });
  if (r.status !== 0) throw new Error(`next build failed (exit ${r.status}); see the output above`);
  writeFileSync(stamp, hash);
}
