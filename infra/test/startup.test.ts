import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../src/ports';
import { supervise } from '../src/processes';
import { LogTail, StartupError, startupFailureMessage, startupTimeoutMs, withStartupTimeout } from '../src/startup';

describe('LogTail', () => {
  it('keeps only the last lines, oldest first, skipping blank ones and CRs', () => {
    const tail = new LogTail(3);
    expect(tail.pushLines('one\ntwo\r\n\n')).toEqual(['one', 'two']);
    expect(tail.last()).toEqual(['one', 'two']);
    expect(tail.pushLines('three\nfour')).toEqual(['three', 'four']);
    expect(tail.last()).toEqual(['two', 'three', 'four']);
    expect(tail.last(2)).toEqual(['three', 'four']);
  });

  it('holds a bounded number of lines however much is pushed', () => {
    const tail = new LogTail(200);
    for (let i = 0; i < 10_000; i++) tail.pushLines(`line ${i}`);
    expect(tail.last(1000)).toHaveLength(200);
    expect(tail.last(40)[39]).toBe('line 9999');
    expect(tail.last(40)[0]).toBe('line 9960');
  });
});

describe('start-up failure messages', () => {
  it('name the service, what was awaited, how long, the last error and the output tail', () => {
    const msg = startupFailureMessage({ service: 'web app', waitingFor: 'HTTP 200 from http://127.0.0.1:4000/api/v1/openapi.json', waitedMs: 180_000, reason: 'timeout', cause: 'fetch failed (ECONNREFUSED)', tail: ['ready - started', 'Error: boom'] });
    expect(msg).toBe(
      [
        'web app did not come up: waited 180.0s for HTTP 200 from http://127.0.0.1:4000/api/v1/openapi.json; set REFINERY_STARTUP_TIMEOUT_SCALE=2 (or more) to allow more time on a slow machine',
        'last error: fetch failed (ECONNREFUSED)',
        'last 2 lines of web app output:',
        '  | ready - started',
        '  | Error: boom',
      ].join('\n'),
    );
    expect(startupFailureMessage({ service: 'pipeline worker', waitingFor: 'its "polling" line', waitedMs: 2500, reason: 'exited', exit: 'code 1', tail: [] })).toBe(
      'pipeline worker exited with code 1 during start-up, after 2.5s (it was being waited on for its "polling" line)\npipeline worker printed nothing',
    );
  });

  it('timeouts scale with REFINERY_STARTUP_TIMEOUT_SCALE', () => {
    expect(startupTimeoutMs(120, {})).toBe(120_000);
    expect(startupTimeoutMs(120, { REFINERY_STARTUP_TIMEOUT_SCALE: '2.5' })).toBe(300_000);
    expect(() => startupTimeoutMs(120, { REFINERY_STARTUP_TIMEOUT_SCALE: 'lots' })).toThrow(/positive number/);
  });

  it('waitFor times out with a StartupError carrying the tail and the last check error', async () => {
    const err = await waitFor('port 1 to answer', async () => Promise.reject(new Error('ECONNREFUSED')), 300, { service: 'temporal dev server', intervalMs: 50, tail: () => ['warn: slow'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    expect((err as StartupError).failure).toMatchObject({ service: 'temporal dev server', reason: 'timeout', cause: 'ECONNREFUSED', tail: ['warn: slow'] });
    expect((err as Error).message).toMatch(/^temporal dev server did not come up: waited 0\.[3-9]s for port 1 to answer/);
  });

  it('waitFor abandons a check that hangs at the deadline', async () => {
    const started = Date.now();
    await expect(waitFor('a hanging check', () => new Promise<boolean>(() => {}), 200)).rejects.toThrow(/did not come up/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('withStartupTimeout names the service on a timeout and on an error', async () => {
    let cleaned = false;
    const slow = withStartupTimeout(new Promise(() => {}), { service: 'postgres', waitingFor: 'ready', timeoutMs: 50, tail: () => ['LOG: starting'], onTimeout: () => void (cleaned = true) });
    await expect(slow).rejects.toThrow(/^postgres did not come up: waited 0\.\d+s for ready/);
    expect(cleaned).toBe(true);
    await expect(withStartupTimeout(Promise.reject(new Error('initdb: bad locale')), { service: 'postgres', waitingFor: 'initdb', timeoutMs: 5000 })).rejects.toThrow(
      /^postgres failed to start after .*\nerror: initdb: bad locale/,
    );
  });
});

describe('a supervised child process', () => {
  const node = (script: string) => spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });

  it('that exits during start-up fails the wait at once with its exit code and last output', async () => {
    const lines: string[] = [];
    const s = supervise('pipeline worker', node('for (let i = 0; i < 60; i++) console.log("line " + i); console.error("Error: cannot connect"); process.exit(3)'), (l) => lines.push(l));
    const started = Date.now();
    const err = (await s.waitForLine(/polling/, 'its "polling" line', 60_000).catch((e: unknown) => e)) as StartupError;
    expect(Date.now() - started).toBeLessThan(10_000); // not the 60 s timeout
    expect(err).toBeInstanceOf(StartupError);
    expect(err.failure).toMatchObject({ service: 'pipeline worker', reason: 'exited', exit: 'code 3' });
    expect(err.failure.tail).toHaveLength(40);
    expect(err.failure.tail!.at(-1)).toBe('Error: cannot connect');
    expect(err.message).toContain('pipeline worker exited with code 3 during start-up');
    expect(err.message).toContain('  | Error: cannot connect');
    expect(lines).toHaveLength(61);
  });

  it('resolves on its ready line, even one printed before the wait began', async () => {
    const child = node('console.log("[pipeline-worker] polling refinery-pipeline"); setTimeout(() => {}, 5000)');
    const s = supervise('pipeline worker', child, () => {});
    await new Promise((r) => setTimeout(r, 500));
    await s.waitForLine(/\bpolling\b/, 'its "polling" line', 10_000);
    expect(s.exited()).toBeNull();
    child.kill('SIGTERM');
  });

  it('fails a longer step (the web build) when it exits meanwhile', async () => {
    const s = supervise('gpu worker', node('console.error("ModuleNotFoundError: torch"); process.exit(1)'), () => {});
    const build = new Promise((r) => setTimeout(r, 20_000));
    const err = (await s.failOnExit(build, 'the web app build to finish').catch((e: unknown) => e)) as StartupError;
    expect(err).toBeInstanceOf(StartupError);
    expect(err.message).toMatch(/^gpu worker exited with code 1 during start-up/);
    expect(err.failure.tail).toEqual(['ModuleNotFoundError: torch']);
  });
});
