import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { waitFor } from './ports';
import { LogTail, StartupError } from './startup';

const SETPRIV = '/usr/bin/setpriv';

/**
 * Spawns a child that the kernel sends SIGTERM if this process dies (util-linux setpriv's
 * parent-death signal), so a launcher killed without its shutdown path leaves no orphans.
 */
export function spawnTied(command: string, args: string[], options: SpawnOptions): ChildProcess {
  return existsSync(SETPRIV) ? spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', command, ...args], options) : spawn(command, args, options);
}

/** A child process whose output is forwarded line by line and kept in a bounded tail for errors. */
export interface Supervised {
  /** As named in errors: "pipeline worker", "web app". */
  service: string;
  child: ChildProcess;
  tail: LogTail;
  /** "code 1" / "signal SIGTERM" once the process has ended, else null. */
  exited(): string | null;
  /** Resolves with the same text once the process has ended and its output has been read. */
  exit: Promise<string>;
  /** Resolves once a line matching `pattern` has been printed (possibly already); a StartupError on exit or timeout. */
  waitForLine(pattern: RegExp, what: string, timeoutMs: number): Promise<void>;
  /** Rejects with a StartupError if the process ends before `settled` resolves or rejects. */
  failOnExit<T>(settled: Promise<T>, waitingFor: string): Promise<T>;
}

/** Forwards a piped child's stdout and stderr as whole lines to `onLine` and keeps its last `tailLines`. */
export function supervise(service: string, child: ChildProcess, onLine: (line: string) => void, tailLines = 200): Supervised {
  const tail = new LogTail(tailLines);
  const patterns = new Set<RegExp>();
  const matched = new Set<RegExp>();
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (text) => {
      for (const line of tail.pushLines(text)) {
        onLine(line);
        for (const p of patterns) if (p.test(line)) matched.add(p);
      }
    });
  }
  let status: string | null = null;
  const started = Date.now();
  // The exit is reported once the output that came with it has been read ('close'), or 500 ms
  // after 'exit' if a grandchild keeps the pipes open.
  const exit = new Promise<string>((resolve) => {
    const report = (s: string) => {
      if (status === null) resolve((status = s));
    };
    child.on('exit', (code, signal) => {
      const s = signal ? `signal ${signal}` : `code ${code}`;
      child.once('close', () => report(s));
      setTimeout(() => report(s), 500).unref();
    });
    child.on('error', (err) => report(`spawn error: ${err.message}`));
  });
  return {
    service,
    child,
    tail,
    exited: () => status,
    exit,
    waitForLine(pattern, what, timeoutMs) {
      patterns.add(pattern);
      if (tail.last(tail.capacity).some((l) => pattern.test(l))) matched.add(pattern);
      return waitFor(what, async () => matched.has(pattern), timeoutMs, { service, intervalMs: 100, tail: () => tail.last(40), exited: () => status });
    },
    failOnExit<T>(settled: Promise<T>, waitingFor: string) {
      return new Promise<T>((resolve, reject) => {
        settled.then(resolve, reject);
        void exit.then((s) => {
          reject(new StartupError({ service, waitingFor, waitedMs: Date.now() - started, reason: 'exited', exit: s, tail: tail.last(40) }));
        });
      });
    },
  };
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
