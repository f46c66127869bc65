/**
 * Where the web process spends its CPU under the API load: a second `next start` of the same
 * build with the same environment as the stack's web process, run under `node --cpu-prof`, driven
 * by the same open-loop load, stopped (SIGTERM: Next exits, Node writes the profile) and summed up
 * by self time per code location and per package.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, REPO_ROOT, stopChild, waitFor } from '../../infra/src';
import { runApiLoad, type ApiLoadResult, type Endpoint } from './api-load';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  /** µs on the host's monotonic clock (V8 TimeTicks: CLOCK_MONOTONIC on Linux, as process.hrtime). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Samples counted: those taken while the measured load ran. */
  sampledMs: number;
  /** Share of sampled time not idle (the process on a CPU). */
  busyMs: number;
  byPackage: { what: string; selfMs: number; share: number }[];
  topFunctions: { fn: string; where: string; selfMs: number; share: number }[];
  load: ApiLoadResult;
}

/** Which room a sampled frame belongs to. */
function packageOf(frame: CpuProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) {
    if (nm[1] === 'next' && /compiled\/next-server|\/server\//.test(url)) return 'next (server runtime)';
    return nm[1]!;
  }
  if (url.startsWith('node:')) return 'node internals';
  if (/\/server\/chunks\/ssr\//.test(url)) return 'web app bundle: pages (SSR chunks)';
  if (/\/server\/chunks\//.test(url)) return 'web app bundle: API routes + workspace packages (bundled chunks)';
  if (/\/server\/app\//.test(url)) return 'web app bundle: route entries';
  return url.replace(`file://${REPO_ROOT}/`, '');
}

/** Self time by code location; with `window` ([from, to] in µs of the monotonic clock), only samples taken inside it (the load, not start-up). */
export function summarizeProfile(file: string, window?: [number, number]): Omit<ProfileSummary, 'load'> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window[0] || at > window[1])) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const sampledUs = [...selfUs.values()].reduce((s, x) => s + x, 0);
  let idleUs = 0;
  const packages = new Map<string, number>();
  const functions = new Map<string, { fn: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const pkg = packageOf(frame);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const where = frame.url ? `${frame.url.replace(`file://${REPO_ROOT}/`, '').replace(/^.*node_modules\//, '')}:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : '';
    const key = `${frame.functionName}@${where}`;
    const row = functions.get(key) ?? { fn: frame.functionName || '(anonymous)', where, us: 0 };
    row.us += us;
    functions.set(key, row);
  }
  const busyUs = sampledUs - idleUs;
  return {
    file,
    sampledMs: sampledUs / 1000,
    busyMs: busyUs / 1000,
    byPackage: [...packages].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([what, us]) => ({ what, selfMs: us / 1000, share: us / busyUs })),
    topFunctions: [...functions.values()].sort((a, b) => b.us - a.us).slice(0, 20).map((f) => ({ fn: f.fn, where: f.where, selfMs: f.us / 1000, share: f.us / busyUs })),
  };
}

export async function profileWebUnderLoad(o: { stackEnv: Record<string, string>; webDistDir: string; outDir: string; token: string; endpoints: Endpoint[]; rps: number; seconds: number; log: (line: string) => void }): Promise<ProfileSummary> {
  mkdirSync(o.outDir, { recursive: true });
  const port = await freePort();
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${o.outDir}`, resolve(REPO_ROOT, 'node_modules/next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: join(REPO_ROOT, 'apps/web'),
    env: { ...process.env, ...o.stackEnv, PORT: String(port), NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: o.webDistDir },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`the profiled web process on ${base}`, async () => (await fetch(`${base}/api/v1/openapi.json`, { signal: AbortSignal.timeout(10_000) })).ok, 120_000);
    // Warm-up (first requests compile and load route modules), then the measured load.
    await runApiLoad({ baseUrl: base, token: o.token, endpoints: o.endpoints, rps: Math.min(o.rps, 20), seconds: 3 });
    o.log(`profiling the web process (pid ${child.pid}) for ${o.seconds} s at ${o.rps} req/s`);
    const from = Number(process.hrtime.bigint() / 1000n);
    const load = await runApiLoad({ baseUrl: base, token: o.token, endpoints: o.endpoints, rps: o.rps, seconds: o.seconds });
    const to = Number(process.hrtime.bigint() / 1000n);
    await stopChild(child);
    const files = readdirSync(o.outDir).filter((f) => f.endsWith('.cpuprofile')).sort();
    if (!files.length) throw new Error(`the profiled web process wrote no .cpuprofile into ${o.outDir}`);
    return { ...summarizeProfile(join(o.outDir, files.at(-1)!), [from, to]), load };
  } finally {
    await stopChild(child);
  }
}
