import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadToolchain, REPO_ROOT } from '../src/toolchain';
import { clearReport, type ExitStatus, notRunResult, pytestResult, readReport, type SuiteResult, totalsOf, typecheckResult, vitestResult } from '../src/test-totals';

/**
 * `npm test`: type-check, every Vitest project (unit, integration against the real stack,
 * browser), then the trainer's pytest suite; ends with one line totalling all suites, always the
 * last line printed. A suite that crashes or writes no report counts as a failure (the rules are
 * in infra/src/test-totals.ts); the exit code is non-zero exactly when that line counts failures.
 */
const resultsDir = join(REPO_ROOT, '.data', 'test-results');
const results: SuiteResult[] = [];

const run = (title: string, cmd: string, args: string[], env: Record<string, string> = {}): ExitStatus => {
  console.log(`\n\x1b[1m== ${title}\x1b[0m\n$ ${[cmd, ...args].join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) console.log(`(${title}: could not start: ${r.error.message})`);
  const status: ExitStatus = { code: r.status, signal: r.signal };
  console.log(`(${title}: ${((Date.now() - started) / 1000).toFixed(0)}s, ${status.code === null ? `killed by ${status.signal}` : `exit ${status.code}`})`);
  return status;
};

/** Runs one suite; whatever goes wrong in the runner itself still counts as that suite failing. */
const suite = (name: string, body: () => SuiteResult) => {
  try {
    results.push(body());
  } catch (err) {
    console.log(`(${name}: ${(err as Error).message})`);
    results.push(notRunResult(name, err));
  }
};

try {
  mkdirSync(resultsDir, { recursive: true });

  suite('typecheck', () => typecheckResult(run('typecheck', process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'])));

  suite('vitest', () => {
    const report = join(resultsDir, 'vitest.json');
    clearReport(report);
    const exit = run('vitest (unit, integration, browser)', process.execPath, [
      join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ]);
    return vitestResult(exit, readReport(report), REPO_ROOT);
  });

  suite('pytest', () => {
    const junit = join(resultsDir, 'pytest.xml');
    clearReport(junit);
    const python = loadToolchain().python;
    const exit = run('pytest (trainer)', python, ['-m', 'pytest', 'workers/trainer/tests', '-q', `--junitxml=${junit}`], { PYTHONPATH: join(REPO_ROOT, 'workers/trainer') });
    return pytestResult(exit, readReport(junit));
  });
} catch (err) {
  results.push(notRunResult('npm test', err));
} finally {
  const totals = totalsOf(results);
  console.log('');
  for (const line of totals.lines) console.log(line);
  process.exitCode = totals.exitCode;
}
