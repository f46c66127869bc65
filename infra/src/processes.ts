import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  const consume = (line: string) => {
    tail.pushLine(line);
    onLine(line);
    for (const p of patterns) if (p.test(line)) matched.add(p);
  };
  // stdout and stderr each have their own partial line, so each gets its own splitter feeding one tail.
  const splitter = () => {
    let partial = '';
    return {
      data: (b: Buffer) => {
        const parts = (partial + b.toString()).split('\n');
        partial = parts.pop() ?? '';
        for (const raw of parts) {
          const line = raw.replace(/\r$/, '');
          if (line.trim()) consume(line);
        }
      },
      end: () => {
        if (partial.trim()) consume(partial);
        partial = '';
      },
    };
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    const s = splitter();
    stream.on('data', s.data);
    stream.on('end', s.end);
  }
  let exit: string | null = null;
  const started = Date.now();
  // The exit is reported once the output that came with it has been read ('close'), or 500 ms
  // after 'exit' if a grandchild keeps the pipes open.
  const exitPromise = new Promise<string>((resolve) => {
    const report = (status: string) => {
      if (exit === null) resolve((exit = status));
    };
    child.on('exit', (code, signal) => {
      const status = signal ? `signal ${signal}` : `code ${code}`;
      child.once('close', () => report(status));
      setTimeout(() => report(status), 500).unref();
    });
    child.on('error', (err) => report(`spawn error: ${err.message}`));
  });
  const self: Supervised = {
    service,
    child,
    tail,
    exited: () => exit,
    waitForLine(pattern, what, timeoutMs) {
      patterns.add(pattern);
      if (tail.last(tail.capacity).some((l) => pattern.test(l))) matched.add(pattern);
      return waitFor(what, async () => matched.has(pattern), timeoutMs, { service, intervalMs: 100, tail: () => tail.last(40), exited: () => exit });
    },
    failOnExit<T>(settled: Promise<T>, waitingFor: string) {
      return new Promise<T>((resolve, reject) => {
        settled.then(resolve, reject);
        void exitPromise.then((status) => {
          reject(new StartupError({ service, waitingFor, waitedMs: Date.now() - started, reason: 'exited', exit: status, tail: tail.last(40) }));
        });
      });
    },
  };
  return self;
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
