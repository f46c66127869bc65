/**
 * Load benchmark (issue 14): the embedded stack under concurrent runs and a steady API load.
 * Run: npm run bench:load [-- options]
 *   --runs 100         data-only runs submitted at once (ingest + redact of the demo tickets)
 *   --trainings 3      tiny trainings submitted with them (tiny Llama, a few steps, up to the adapter)
 *   --baseline 3       data-only runs first, one at a time (the overhead with nothing else running)
 *   --uncached 100     then this many data-only runs at once with cache: {ingest, redact, split: false} (0: none)
 *   --rps 100 --seconds 60   the open-loop API load (list runs, get run, training metrics, in turn)
 *   --profile          CPU-profile the web process under the API load (done anyway when a p95 misses its target)
 *   --profile-seconds 20
 *   --timeout-min 60   give up waiting for the runs after this long
 *   --quick            a smoke: --runs 5 --trainings 1 --baseline 1 --uncached 2 --rps 20 --seconds 5
 * Prints the tables and writes bench/results/load.json (--quick: load-quick.json). Every figure is
 * measured in this run; nothing in the test suite asserts on time.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runApiLoad, scrapeRouteTimes, serverMeansMs, type ApiLoadResult, type Endpoint } from './api-load';
import { connect } from '@refinery/db';
import { cpuBetween, cpuSnapshot, pidsByCommandLine, type CpuGroups } from './cpu';
import { profileWebUnderLoad, type ProfileSummary } from './profile';
import { startBenchStack } from './stack';
import { fmt, round, roundSummary, table, type Summary } from './stats';
import { kindStats, runSubmitLoad, type KindStats, type SubmitLoadResult } from './submit-load';

const OVERHEAD_TARGET_S = 1;
const API_P95_TARGET_MS = 50;
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string' },
    trainings: { type: 'string' },
    baseline: { type: 'string' },
    uncached: { type: 'string' },
    rps: { type: 'string' },
    seconds: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'profile-seconds': { type: 'string' },
    'timeout-min': { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = args.quick!;
const num = (v: string | undefined, full: number, smoke: number) => {
  const n = Number(v ?? (quick ? smoke : full));
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a count: ${v}`);
  return n;
};
const opts = {
  runs: num(args.runs, 100, 5),
  trainings: num(args.trainings, 3, 1),
  baseline: num(args.baseline, 3, 1),
  uncached: num(args.uncached, 100, 2),
  rps: num(args.rps, 100, 20),
  seconds: num(args.seconds, 60, 5),
  profileSeconds: num(args['profile-seconds'], 20, 5),
  timeoutMs: num(args['timeout-min'], 60, 15) * 60_000,
};

const log = (line: string) => console.log(`[bench:load ${new Date().toISOString().slice(11, 19)}] ${line}`);
const osName = () => /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: round(totalmem() / 2 ** 30, 1), os: osName(), node: process.version, loadavgAtStart: loadavg().map((x) => round(x, 2)) };

const started = Date.now();
const bench = await startBenchStack(log);
const passes: { baseline: SubmitLoadResult[]; load: SubmitLoadResult | null; uncached: SubmitLoadResult | null } = { baseline: [], load: null, uncached: null };
let api: (ApiLoadResult & { serverMeanMs: Record<string, { requests: number; meanMs: number }>; target: string; cpuCores: Record<string, number>; dbTransactionsPerRequest: number | null }) | null = null;
let profile: ProfileSummary | null = null;
let profileError: string | null = null;
try {
  const common = { webUrl: bench.webUrl, token: bench.token, stackEnv: bench.stack.env, timeoutMs: opts.timeoutMs, log };
  // (a) runs: a sequential baseline, the concurrent load, optionally an uncached pass.
  for (let i = 1; i <= opts.baseline; i++) passes.baseline.push(await runSubmitLoad({ ...common, dataRuns: 1, trainings: 0, cache: true, label: `baseline-${i}` }));
  passes.load = await runSubmitLoad({ ...common, dataRuns: opts.runs, trainings: opts.trainings, cache: true, label: 'load' });
  if (opts.uncached) passes.uncached = await runSubmitLoad({ ...common, dataRuns: opts.uncached, trainings: 0, cache: false, label: 'uncached' });

  // (b) the API under a steady open-loop load, once the runs are done.
  const trained = passes.load.runs.find((r) => r.kind === 'training' && r.status === 'succeeded') ?? passes.load.runs[0];
  if (!trained) throw new Error('no run to read back: every submission was refused');
  const endpoints: Endpoint[] = [
    { name: 'GET /api/v1/runs', path: '/api/v1/runs?project=demo' },
    { name: 'GET /api/v1/runs/{id}', path: `/api/v1/runs/${trained.id}` },
    { name: 'GET /api/v1/runs/{id}/metrics', path: `/api/v1/runs/${trained.id}/metrics` },
  ];
  const metricsUrl = bench.stack.urls.metrics.web!;
  const metricsToken = bench.stack.env.REFINERY_METRICS_TOKEN!;
  log(`API load: ${opts.rps} req/s for ${opts.seconds} s, open loop, over ${endpoints.map((e) => e.name).join(', ')} (run ${trained.id}, a ${trained.kind} run)`);
  await runApiLoad({ baseUrl: bench.webUrl, token: bench.token, endpoints, rps: Math.min(opts.rps, 20), seconds: 3 }); // warm-up, not counted
  // Where the CPU goes meanwhile, and how many Postgres transactions the requests cost.
  const pid = (name: string) => bench.stack.children.get(name)?.pid;
  const postmasterFile = join(bench.dataDir, 'postgres', 'postmaster.pid');
  const postmaster = existsSync(postmasterFile) ? Number(readFileSync(postmasterFile, 'utf8').split('\n')[0]) : undefined;
  const temporalPort = bench.stack.env.TEMPORAL_ADDRESS!.split(':').at(-1);
  const groups: CpuGroups = {
    'web (next start)': { roots: [pid('web')].filter((x): x is number => !!x), tree: true },
    'postgres (all backends)': { roots: postmaster ? [postmaster] : pidsByCommandLine(new RegExp(`postgres -D ${join(bench.dataDir, 'postgres')} `)), tree: true },
    'workers (pipeline, gpu; idle)': { roots: [pid('pipeline'), pid('gpu')].filter((x): x is number => !!x), tree: true },
    'temporal dev server': { roots: pidsByCommandLine(new RegExp(`server start-dev .*--port ${temporalPort} `)), tree: true },
    'load client (this process)': { roots: [process.pid], tree: false },
  };
  const database = connect(bench.stack.env.DATABASE_URL!, { max: 1 });
  const transactions = async () => Number((await database.pool.query<{ x: string }>('select xact_commit + xact_rollback as x from pg_stat_database where datname = current_database()')).rows[0]?.x ?? NaN);
  const before = await scrapeRouteTimes(metricsUrl, metricsToken);
  const xactBefore = await transactions();
  const cpuBefore = cpuSnapshot(groups);
  const load = await runApiLoad({ baseUrl: bench.webUrl, token: bench.token, endpoints, rps: opts.rps, seconds: opts.seconds });
  const cpuAfter = cpuSnapshot(groups);
  const xactAfter = await transactions();
  await database.close();
  const after = await scrapeRouteTimes(metricsUrl, metricsToken);
  api = {
    ...load,
    serverMeanMs: serverMeansMs(before, after),
    target: `${trained.kind} run ${trained.id}`,
    cpuCores: cpuBetween(cpuBefore, cpuAfter, machine.cores),
    dbTransactionsPerRequest: (xactAfter - xactBefore) / load.overall.requests,
  };

  const missed = load.endpoints.some((e) => !(e.latencyMs.p95 <= API_P95_TARGET_MS));
  if (args.profile || missed) {
    try {
      profile = await profileWebUnderLoad({ stackEnv: bench.stack.env, webDistDir: bench.webDistDir, outDir: join(bench.dataDir, 'cpu-profile'), token: bench.token, endpoints, rps: opts.rps, seconds: opts.profileSeconds, log });
    } catch (err) {
      profileError = (err as Error).message;
      log(`profile failed: ${profileError}`);
    }
  }
} finally {
  await bench.stop();
}

// ---- report ----
const s = (x: Summary, digits = 2) => `${fmt(x.p50, digits)} / ${fmt(x.p95, digits)}`;
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
const load = passes.load!;
console.log(`\nMachine: ${machine.cores} cores (${machine.cpu}), ${machine.memGiB} GiB, ${machine.os}, Node ${machine.node}; load average at start ${machine.loadavgAtStart.join(' ')}`);
console.log(`\nRuns (caching on unless said): p50 / p95; overhead = run wall (created → finished) − Σ stage attempts' own wall time; queue wait = Temporal task scheduled → started\n`);
const baselineStats = kindStats(passes.baseline.flatMap((p) => p.runs).filter((r) => Number.isFinite(r.wallS)));
const columns: [string, KindStats][] = [
  [`baseline: ${passes.baseline.length} data-only, one at a time`, baselineStats],
  [`load: ${load.dataRuns} data-only`, load.byKind.data],
  [`load: ${load.trainings} trainings`, load.byKind.training],
  ...(passes.uncached ? [[`uncached: ${passes.uncached.dataRuns} data-only`, passes.uncached.byKind.data] as [string, KindStats]] : []),
];
const cols = columns.filter(([, c]) => c.count);
console.log(
  table(
    ['', ...cols.map(([n]) => n)],
    [
      ['runs finished', ...cols.map(([, c]) => c.count)],
      ['submit → done, s', ...cols.map(([, c]) => s(c.submitToDoneS))],
      ['run wall (created → finished), s', ...cols.map(([, c]) => s(c.wallS))],
      ["Σ stages' own wall time, s", ...cols.map(([, c]) => s(c.stageComputeS))],
      ['overhead incl. queue wait, s', ...cols.map(([, c]) => s(c.overheadS))],
      ['queue wait (activity + workflow tasks), s', ...cols.map(([, c]) => s(c.queueWaitS))],
      ['overhead excl. queue wait, s', ...cols.map(([, c]) => s(c.overheadExQueueS))],
      ['  of which created → workflow started (API), s', ...cols.map(([, c]) => s(c.workflowStartDelayS))],
      ['  of which workflow tasks running, s', ...cols.map(([, c]) => s(c.workflowTaskRunS))],
      ['  of which bookkeeping activities running (markRun, stageStarted/Finished), s', ...cols.map(([, c]) => s(c.bookkeepingActivityS))],
    ],
  ),
);
const loadPasses = [load, ...(passes.uncached ? [passes.uncached] : [])];
console.log(
  `\n${table(
    ['pass', 'submitted', 'succeeded', 'failed / unfinished runs', 'failed workflows', 'refused at submit', 'makespan, s', 'runs/min', 'submit request p50 / p95, ms', `overhead p95 ≤ ${OVERHEAD_TARGET_S} s incl. / excl. queue wait`],
    loadPasses.map((p) => [
      `${p.label} (cache ${p.cache ? 'on' : 'off'})`,
      p.dataRuns + p.trainings,
      p.succeeded,
      p.failed + p.otherTerminal + p.notFinished,
      p.failedWorkflows,
      p.submitHttpErrors.length,
      fmt(p.makespanS, 1),
      fmt(p.runsPerMinute, 1),
      s(p.submitMs, 0),
      `${met(p.overheadS.p95 <= OVERHEAD_TARGET_S)} / ${met(p.overheadExQueueS.p95 <= OVERHEAD_TARGET_S)}`,
    ]),
  )}`,
);
if (api) {
  console.log(`\nAPI: open loop at ${api.rps} req/s for ${api.seconds} s (answered ${fmt(api.achievedRps, 1)} req/s), endpoints in turn; latency from each request's due time to its last byte, ms; client send lag p95 ${fmt(api.sendLagMs.p95, 1)} ms\n`);
  console.log(
    table(
      ['endpoint', 'requests', 'errors', 'p50', 'p95', 'p99', 'max', 'server mean (handler)', `p95 ≤ ${API_P95_TARGET_MS} ms`],
      [...api.endpoints, api.overall].map((e) => [e.name, e.requests, e.requests - e.ok, fmt(e.latencyMs.p50, 1), fmt(e.latencyMs.p95, 1), fmt(e.latencyMs.p99, 1), fmt(e.latencyMs.max, 1), fmt(api!.serverMeanMs[e.name]?.meanMs, 1), met(e.latencyMs.p95 <= API_P95_TARGET_MS)]),
    ),
  );
}
for (const p of loadPasses) {
  const waits = Object.entries(p.pgWaits.meanActive).slice(0, 6).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ');
  console.log(`\nPostgres during the ${p.label} pass: mean active client backends by wait event (${p.pgWaits.samples} samples every 250 ms): ${waits || 'none active'}`);
}
if (api) {
  console.log(`\nCPU during the API load, in cores (of ${machine.cores}); Postgres transactions per API request: ${fmt(api.dbTransactionsPerRequest, 1)} (pg_stat_database, all clients)\n`);
  console.log(table(['process group', 'cores'], Object.entries(api.cpuCores).map(([k, v]) => [k, fmt(v, 2)])));
}
if (profile) {
  console.log(`\nWeb process CPU profile under the same load (${profile.load.rps} req/s for ${profile.load.seconds} s; p95 there ${fmt(profile.load.overall.latencyMs.p95, 1)} ms): busy ${fmt(profile.busyMs / 1000, 1)} of ${fmt(profile.sampledMs / 1000, 1)} s sampled (${fmt((100 * profile.busyMs) / profile.sampledMs, 0)} % of one core)\n`);
  console.log(table(['self time by package', 'ms', 'share of busy'], profile.byPackage.map((p) => [p.what, fmt(p.selfMs, 0), `${fmt(100 * p.share, 1)} %`])));
  console.log(`\n${table(['top functions (self time)', 'where', 'ms', 'share'], profile.topFunctions.slice(0, 12).map((f) => [f.fn, f.where, fmt(f.selfMs, 0), `${fmt(100 * f.share, 1)} %`]))}`);
  console.log(`(profile: ${profile.file})`);
}

const passJson = (p: SubmitLoadResult) => ({
  ...p,
  submitMs: roundSummary(p.submitMs),
  submitToDoneS: roundSummary(p.submitToDoneS),
  overheadS: roundSummary(p.overheadS),
  overheadExQueueS: roundSummary(p.overheadExQueueS),
  queueWaitS: roundSummary(p.queueWaitS),
  overheadTargetMet: { inclQueueWait: p.overheadS.p95 <= OVERHEAD_TARGET_S, exclQueueWait: p.overheadExQueueS.p95 <= OVERHEAD_TARGET_S },
});
const result = {
  generatedAt: new Date().toISOString(),
  quick,
  options: opts,
  machine,
  targets: { overheadPerRunS: OVERHEAD_TARGET_S, apiP95Ms: API_P95_TARGET_MS },
  method: {
    caching: 'on (the default a user gets) for the baseline and load passes; the uncached pass sets cache: {ingest: false, redact: false, split: false}',
    overhead: "run wall time (runs.created_at → finished_at) minus the sum of its stage attempts' own wall time (stage_executions.wall_seconds, measured by the worker's stage-attempt interceptor)",
    queueWait: "sum over the run's Temporal history of activity task scheduled → started and workflow task scheduled → started",
    apiLatency: 'open loop (request i due at start + i/rps, none awaited before the next is sent), endpoints in turn; from due time to the last byte of the body',
  },
  baseline: { summary: Object.fromEntries(Object.entries(baselineStats).map(([k, v]) => [k, typeof v === 'number' ? v : roundSummary(v)])), passes: passes.baseline.map(passJson) },
  load: passJson(load),
  uncached: passes.uncached ? passJson(passes.uncached) : null,
  api: api ? { ...api, overall: { ...api.overall, latencyMs: roundSummary(api.overall.latencyMs) }, endpoints: api.endpoints.map((e) => ({ ...e, latencyMs: roundSummary(e.latencyMs), p95TargetMet: e.latencyMs.p95 <= API_P95_TARGET_MS })), sendLagMs: roundSummary(api.sendLagMs) } : null,
  profile,
  profileError,
  totalSeconds: round((Date.now() - started) / 1000, 1),
};
mkdirSync(RESULTS, { recursive: true });
const out = join(RESULTS, quick ? 'load-quick.json' : 'load.json');
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nwrote ${out} (total ${result.totalSeconds} s)`);
