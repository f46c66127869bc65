import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearReport, notRunResult, pytestResult, readReport, totalsOf, typecheckResult, vitestResult } from '../src/test-totals';

const report = (o: { passed?: number; failed?: number; files?: { name: string; status: string; message?: string; assertions?: string[] }[]; success?: boolean; failedSuites?: number }) =>
  JSON.stringify({
    numPassedTests: o.passed ?? 0,
    numFailedTests: o.failed ?? 0,
    numFailedTestSuites: o.failedSuites ?? 0,
    success: o.success ?? (o.failed ?? 0) === 0,
    testResults: (o.files ?? []).map((f) => ({ name: f.name, status: f.status, message: f.message ?? '', assertionResults: (f.assertions ?? []).map((status) => ({ status })) })),
  });

describe('npm test totals', () => {
  it('a vitest run that crashed with no report counts as a failure, named, and the exit is non-zero', () => {
    const t = totalsOf([typecheckResult({ code: 0 }), vitestResult({ code: 1 }, null), pytestResult({ code: 0 }, '<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="13"></testsuite></testsuites>')]);
    expect(t.failed).toBeGreaterThanOrEqual(1);
    expect(t.passed).toBe(14);
    expect(t.exitCode).not.toBe(0);
    expect(t.problems).toContain('vitest crashed (exit 1) before reporting');
    expect(t.lines.at(-1)).toBe('14 passed, 1 failed');
    expect(t.lines[0]).toMatch(/^problems: .*vitest crashed \(exit 1\) before reporting/);
  });

  it('a run killed by a signal, or one that exits 0 without a report, is a failure too', () => {
    expect(vitestResult({ code: null, signal: 'SIGKILL' }, null)).toMatchObject({ failed: 1, problems: ['vitest crashed (killed by SIGKILL) before reporting'] });
    expect(vitestResult({ code: 0 }, null)).toMatchObject({ failed: 1, problems: ['vitest exited 0 but wrote no report'] });
    expect(pytestResult({ code: 0 }, null).failed).toBe(1);
    expect(vitestResult({ code: 1 }, '{"truncated').failed).toBe(1);
  });

  it('a non-zero exit whose report counts no failures (unhandled error, failed setup) counts one failure', () => {
    const r = vitestResult({ code: 1 }, report({ passed: 120 }));
    expect(r).toMatchObject({ passed: 120, failed: 1 });
    expect(r.problems[0]).toMatch(/vitest exit 1 but its report counts no failures/);
  });

  it('a test file that failed with 0 tests (did not load) counts as a failure and is named', () => {
    const r = vitestResult(
      { code: 1 },
      report({
        passed: 50,
        failed: 2,
        success: false,
        files: [
          { name: '/repo/test/e2e/broken.test.ts', status: 'failed', message: "SyntaxError: Unexpected token '}'\n    at foo", assertions: [] },
          { name: '/repo/test/e2e/ok.test.ts', status: 'passed', assertions: ['passed', 'passed'] },
          { name: '/repo/test/e2e/red.test.ts', status: 'failed', assertions: ['passed', 'failed', 'failed'] },
        ],
      }),
      '/repo',
    );
    expect(r.failed).toBe(3); // two failed tests + the file that did not load
    expect(r.problems).toContain("vitest: test/e2e/broken.test.ts failed without a failing test (SyntaxError: Unexpected token '}')");
    const t = totalsOf([r]);
    expect(t.lines.at(-1)).toBe('50 passed, 3 failed');
  });

  it('a report that only says the run failed still counts one failure', () => {
    expect(vitestResult({ code: 0 }, report({ passed: 3, failedSuites: 1, success: false })).failed).toBe(1);
  });

  it('a green run is green: exit 0, no problems line, totals last', () => {
    const t = totalsOf([
      typecheckResult({ code: 0 }),
      vitestResult({ code: 0 }, report({ passed: 120, files: [{ name: 'a', status: 'passed', assertions: ['passed'] }] })),
      pytestResult({ code: 0 }, '<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="2" tests="15" time="3.1"></testsuite></testsuites>'),
    ]);
    expect(t).toMatchObject({ passed: 134, failed: 0, exitCode: 0, lines: ['134 passed, 0 failed'] });
  });

  it('typecheck counts as one test; pytest failures, errors and a collection failure count', () => {
    expect(typecheckResult({ code: 2 })).toMatchObject({ passed: 0, failed: 1, problems: ['typecheck failed (exit 2)'] });
    expect(pytestResult({ code: 1 }, '<testsuite name="pytest" errors="1" failures="2" skipped="0" tests="10">')).toMatchObject({ passed: 7, failed: 3 });
    expect(pytestResult({ code: 5 }, '<testsuite name="pytest" errors="0" failures="0" skipped="0" tests="0">').failed).toBe(1);
    expect(totalsOf([notRunResult('pytest', new Error('toolchain not bootstrapped'))])).toMatchObject({ failed: 1, exitCode: 1 });
  });

  it('the exit code is non-zero exactly when the totals line counts failures', () => {
    for (const results of [[typecheckResult({ code: 0 })], [typecheckResult({ code: 1 })], [vitestResult({ code: 1 }, null)], [{ suite: 'x', passed: 1, failed: 0, problems: ['odd'] }]]) {
      const t = totalsOf(results);
      expect(t.exitCode !== 0).toBe(t.failed > 0);
      expect(t.lines.at(-1)).toBe(`${t.passed} passed, ${t.failed} failed`);
    }
  });

  it('a report from a previous run is removed before the suite runs, so a crash is not credited with it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'refinery-totals-'));
    const file = join(dir, 'vitest.json');
    writeFileSync(file, report({ passed: 500 })); // left by an earlier run
    clearReport(file);
    expect(existsSync(file)).toBe(false);
    // ...so a run that crashes before writing its own counts as crashed, not as 500 passes.
    const r = vitestResult({ code: 1 }, readReport(file));
    expect(r).toMatchObject({ passed: 0, failed: 1, problems: ['vitest crashed (exit 1) before reporting'] });

    writeFileSync(file, report({ passed: 5 })); // written by this run
    expect(vitestResult({ code: 0 }, readReport(file))).toMatchObject({ passed: 5, failed: 0 });
    clearReport(file);
    clearReport(file); // nothing there: fine
  });
});
