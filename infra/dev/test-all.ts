import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadToolchain, REPO_ROOT } from '../src';

/**
 * `npm test`: type-check, every Vitest project (unit, integration against the real stack,
 * browser), then the trainer's pytest suite; ends with one line totalling all suites.
 */
const resultsDir = join(REPO_ROOT, '.data', 'test-results');
mkdirSync(resultsDir, { recursive: true });
const toolchain = loadToolchain();
const totals = { passed: 0, failed: 0 };
const problems: string[] = [];

const run = (title: string, cmd: string, args: string[], env: Record<string, string> = {}) => {
  console.log(`\n\x1b[1m== ${title}\x1b[0m\n$ ${[cmd, ...args].join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`(${title}: ${((Date.now() - started) / 1000).toFixed(0)}s, exit ${r.status ?? r.signal})`);
  return r.status ?? 1;
};

if (run('typecheck', process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']) !== 0) {
  problems.push('typecheck failed');
}

const vitestJson = join(resultsDir, 'vitest.json');
const vitestCode = run('vitest (unit, integration, browser)', process.execPath, [
  join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'),
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, 'utf8')) as { numPassedTests: number; numFailedTests: number };
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
}
if (vitestCode !== 0) problems.push(`vitest exited ${vitestCode}`);

const junit = join(resultsDir, 'pytest.xml');
const pytestCode = run('pytest (trainer)', toolchain.python, ['-m', 'pytest', 'workers/trainer/tests', '-q', `--junitxml=${junit}`], { PYTHONPATH: join(REPO_ROOT, 'workers/trainer') });
if (existsSync(junit)) {
  const suite = readFileSync(junit, 'utf8').match(/<testsuite [^>]*>/)?.[0] ?? '';
  const attr = (name: string) => Number(suite.match(new RegExp(`${name}="(\\d+)"`))?.[1] ?? 0);
  totals.failed += attr('failures') + attr('errors');
  totals.passed += attr('tests') - attr('failures') - attr('errors') - attr('skipped');
}
if (pytestCode !== 0) problems.push(`pytest exited ${pytestCode}`);

if (problems.length) console.log(`\nproblems: ${problems.join('; ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(problems.length || totals.failed ? 1 : 0);
