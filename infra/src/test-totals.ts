import { existsSync, readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * The totals `npm test` prints (infra/dev/test-all.ts), kept pure so the rules are tested:
 *
 * - every suite (typecheck, vitest, pytest) adds to one `N passed, N failed` line;
 * - a report left by a previous run is removed before each suite runs, so it is never read;
 * - a suite that exits non-zero while its report counts no failures (it crashed or wrote no report)
 *   counts as one failure, named on the `problems:` line;
 * - a suite that exits 0 without a report counts as one failure too (nothing proves it passed);
 * - a Vitest file that failed with no failing test (it did not load, or a hook threw) is a failure;
 * - the exit code is non-zero exactly when failed > 0, and the totals line is printed last.
 */

export interface ExitStatus {
  code: number | null;
  signal?: string | null;
}

export interface SuiteResult {
  suite: string;
  passed: number;
  failed: number;
  /** Why the suite failed, in words, for the `problems:` line. */
  problems: string[];
}

export function exitText(e: ExitStatus): string {
  return e.code === null ? `killed by ${e.signal ?? 'a signal'}` : `exit ${e.code}`;
}

const ok = (e: ExitStatus) => e.code === 0;

/** Applies the crash rules to what a suite's report counted (null: no usable report). */
function settle(suite: string, exit: ExitStatus, counts: { passed: number; failed: number } | null, problems: string[], whyNoReport?: string): SuiteResult {
  if (!counts) {
    const why = ok(exit) ? `${suite} exited 0 but wrote no report` : `${suite} crashed (${exitText(exit)}) before reporting`;
    return { suite, passed: 0, failed: 1, problems: [whyNoReport ? `${why}: ${whyNoReport}` : why, ...problems] };
  }
  const r = { suite, passed: counts.passed, failed: counts.failed, problems: [...problems] };
  if (!ok(exit) && r.failed === 0) {
    r.failed = 1;
    r.problems.push(`${suite} ${exitText(exit)} but its report counts no failures (a crash, an unhandled error or a failed setup; see its output above)`);
  }
  return r;
}

/** The type-check is one test: it passed or it failed. */
export function typecheckResult(exit: ExitStatus): SuiteResult {
  return ok(exit) ? { suite: 'typecheck', passed: 1, failed: 0, problems: [] } : { suite: 'typecheck', passed: 0, failed: 1, problems: [`typecheck failed (${exitText(exit)})`] };
}

interface VitestReport {
  numPassedTests?: number;
  numFailedTests?: number;
  numFailedTestSuites?: number;
  success?: boolean;
  testResults?: { name?: string; status?: string; message?: string; assertionResults?: { status?: string }[] }[];
}

const oneLine = (s: string, max = 200) => {
  const first = s.split('\n').find((l) => l.trim()) ?? '';
  return first.length > max ? `${first.slice(0, max)}…` : first;
};

/**
 * Vitest's JSON report (`--reporter=json`), or null when there is none. `root` shortens file
 * names in the problems line.
 */
export function vitestResult(exit: ExitStatus, reportJson: string | null, root?: string): SuiteResult {
  const suite = 'vitest';
  if (reportJson === null) return settle(suite, exit, null, []);
  let report: VitestReport;
  try {
    report = JSON.parse(reportJson) as VitestReport;
    if (typeof report !== 'object' || report === null || typeof report.numPassedTests !== 'number') throw new Error('not a Vitest JSON report');
  } catch (err) {
    return settle(suite, exit, null, [], `its report is unreadable (${(err as Error).message})`);
  }
  const problems: string[] = [];
  let failed = report.numFailedTests ?? 0;
  if (failed > 0) problems.push(`vitest: ${failed} ${failed === 1 ? 'test' : 'tests'} failed`);
  // A file that failed with no failing test: it did not load (syntax or import error: 0 tests) or a hook threw.
  for (const file of report.testResults ?? []) {
    if (file.status !== 'failed' || (file.assertionResults ?? []).some((a) => a.status === 'failed')) continue;
    failed += 1;
    const name = file.name && root ? relative(root, file.name) : (file.name ?? '(unnamed file)');
    problems.push(`vitest: ${name} failed without a failing test${file.message ? ` (${oneLine(file.message)})` : ''}`);
  }
  if (failed === 0 && ((report.numFailedTestSuites ?? 0) > 0 || report.success === false)) {
    failed = 1;
    problems.push(`vitest: its report says the run failed (${report.numFailedTestSuites ?? 0} failed suites) but names no failing test`);
  }
  return settle(suite, exit, { passed: report.numPassedTests ?? 0, failed }, problems);
}

/** pytest's JUnit XML (`--junitxml`), or null when there is none. */
export function pytestResult(exit: ExitStatus, junitXml: string | null): SuiteResult {
  const suite = 'pytest';
  if (junitXml === null) return settle(suite, exit, null, []);
  const tags = junitXml.match(/<testsuite\s[^>]*>/g);
  if (!tags) return settle(suite, exit, null, [], 'its report has no <testsuite>');
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  for (const tag of tags) {
    const attr = (name: string) => Number(tag.match(new RegExp(`\\s${name}="(\\d+)"`))?.[1] ?? 0);
    tests += attr('tests');
    failures += attr('failures') + attr('errors');
    skipped += attr('skipped');
  }
  const problems = failures ? [`pytest: ${failures} failed or errored`] : [];
  if (!ok(exit) && exit.code === 5 && tests === 0) problems.push('pytest collected no tests');
  return settle(suite, exit, { passed: Math.max(0, tests - failures - skipped), failed: failures }, problems);
}

/** A suite that could not even be started (its runner threw). */
export function notRunResult(suite: string, err: unknown): SuiteResult {
  return { suite, passed: 0, failed: 1, problems: [`${suite} could not run: ${err instanceof Error ? err.message : String(err)}`] };
}

export interface Totals {
  passed: number;
  failed: number;
  problems: string[];
  /** Non-zero exactly when failed > 0. */
  exitCode: number;
  /** What to print, in order; the `N passed, N failed` line is always the last. */
  lines: string[];
}

export function totalsOf(results: SuiteResult[]): Totals {
  let passed = 0;
  let failed = 0;
  const problems: string[] = [];
  for (const r of results) {
    passed += r.passed;
    // A suite with a problem never counts as clean, whatever its numbers say.
    failed += r.problems.length ? Math.max(1, r.failed) : r.failed;
    problems.push(...r.problems);
  }
  const lines = problems.length ? [`problems: ${problems.join('; ')}`] : [];
  lines.push(`${passed} passed, ${failed} failed`);
  return { passed, failed, problems, exitCode: failed > 0 ? 1 : 0, lines };
}

/** Removes a report left by an earlier run, so a run that writes none is not credited with it. */
export function clearReport(path: string): void {
  rmSync(path, { force: true });
}

/** The report's text, or null when the run wrote none (clearReport ran before it). */
export function readReport(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}
