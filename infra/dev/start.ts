import { join } from 'node:path';
import { ConfigError } from '@refinery/core';
import { REPO_ROOT, startStack } from '../src';
import { seedDemo } from './seed-demo';

/**
 * `npm start`: the whole platform on embedded defaults, data kept in .data/ between starts.
 * `npm start -- --topology=cluster`: production's shape on this host instead (a real Temporal
 * Server on Postgres, two web processes, two pipeline workers, GPU workers in two pools; its
 * data in .data/cluster/). Ctrl-C stops every child cleanly.
 */
const topologyArg = process.argv.find((a) => a.startsWith('--topology='))?.slice('--topology='.length) ?? 'embedded';
if (topologyArg !== 'embedded' && topologyArg !== 'cluster') {
  console.error(`unknown --topology=${topologyArg}: use --topology=embedded (default) or --topology=cluster`);
  process.exit(2);
}
const topology: 'embedded' | 'cluster' = topologyArg;
const dataDir = topology === 'cluster' ? join(REPO_ROOT, '.data', 'cluster') : join(REPO_ROOT, '.data');
const colors: Record<string, string> = { postgres: '34', temporal: '35', pipeline: '36', gpu: '33', web: '32', stack: '37', seed: '37' };
const quiet = new Set(['postgres', 'temporal']);
/**
 * A quiet service's line is shown when it reports a failure. Temporal Server logs JSON and, while
 * its services find each other at start-up, a burst of transient `error` lines: only its fatal
 * and panic lines are shown.
 */
const worthShowing = (line: string) => {
  const level = /^\{"level":"(\w+)"/.exec(line)?.[1];
  return level ? /fatal|panic/.test(level) : /error|fatal|panic/i.test(line);
};
const log = (source: string, line: string) => {
  if (quiet.has(source) && !worthShowing(line)) return;
  process.stdout.write(`\x1b[${colors[source.replace(/-.*$/, '')] ?? '37'}m[${source}]\x1b[0m ${line}\n`);
};

const port = Number(process.env.PORT ?? 3000);
const stack = await startStack({
  dataDir,
  topology,
  webPort: port,
  postgresPort: Number(process.env.POSTGRES_PORT ?? 54320),
  temporalPort: Number(process.env.TEMPORAL_PORT ?? 7233),
  temporalUiPort: topology === 'embedded' ? Number(process.env.TEMPORAL_UI_PORT ?? 8233) : undefined,
  persistTemporal: true,
  processes: { pipelineWorker: true, gpuWorker: true, web: true },
  publicUrl: `http://localhost:${port}`,
  log,
}).catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `failed to start: ${(err as Error).message}`);
  process.exit(1);
});

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log('stack', `${signal}: stopping (data is kept in ${dataDir.slice(REPO_ROOT.length + 1)}/)`);
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

const accounts = await seedDemo(stack, dataDir, (l) => log('seed', l));

const webUrl = `http://localhost:${port}`;
console.log(`
  Refinery is running.
    Dashboard    ${webUrl}
    API docs     ${webUrl}/docs   (OpenAPI: ${webUrl}/api/v1/openapi.json)
    Temporal UI  ${stack.urls.temporalUi?.replace('127.0.0.1', 'localhost') ?? (topology === 'cluster' ? `(none: the cluster's server is ${stack.env.TEMPORAL_ADDRESS}; run a Temporal UI against it)` : '(external Temporal)')}${topology === 'cluster' ? `\n    Web replicas ${stack.urls.webReplicas.join('  ')}` : ''}
    Health       ${webUrl}/api/v1/health
    Metrics      ${Object.values(stack.urls.metrics).join('  ')}   (Bearer token: ${process.env.REFINERY_METRICS_TOKEN ? '$REFINERY_METRICS_TOKEN' : `${dataDir.slice(REPO_ROOT.length + 1)}/metrics-token`})

  Demo accounts (project "demo"; passwords kept in ${dataDir.slice(REPO_ROOT.length + 1)}/demo-credentials.json):
${accounts.map((a) => `    ${a.role.padEnd(12)} ${a.email.padEnd(26)} ${a.password}${a.instanceAdmin ? '   (instance admin)' : ''}`).join('\n')}
  Press Ctrl-C to stop.
`);
