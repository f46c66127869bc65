import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { traceContextEnv } from '@refinery/temporal/tracing';
import type { z } from 'zod';
import { parseTrainerLine, TrainerProtocolError, type TrainerEvent, type AnyVerbProtocol } from './trainer-events';

export const TRAINER_DIR = new URL('../../trainer', import.meta.url).pathname;

export interface TrainerRun {
  pid: number;
  /** Resolves with the exit code (or 128+signal) once the process is gone and stdout is drained. */
  exited: Promise<number>;
  /** The first stdout line that broke the protocol (the trainer is stopped when it happens). */
  protocolError(): TrainerProtocolError | null;
  /** SIGTERM (the trainer checkpoints and exits), then SIGKILL after graceMs. */
  stop(graceMs: number): Promise<number>;
}

/**
 * Runs `python -m refinery_trainer <verb> --config <file>`, feeding each validated stdout event
 * to `onEvent` in order. The trainer gets SIGTERM if this worker process dies (setpriv's
 * parent-death signal), so a killed worker never leaves an orphan burning the GPU. The active
 * trace context (the activity's span) goes along as TRACEPARENT: the trainer's span continues it.
 */
export function startTrainer<P extends AnyVerbProtocol>(o: {
  python: string;
  protocol: P;
  configPath: string;
  onEvent: (e: TrainerEvent<P>) => void;
  onStderr: (line: string) => void;
  env?: Record<string, string>;
}): TrainerRun {
  const args = ['-m', 'refinery_trainer', o.protocol.verb, '--config', o.configPath];
  const [cmd, argv] = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', ['--pdeathsig', 'TERM', '--', o.python, ...args]] : [o.python, args];
  const child: ChildProcess = spawn(cmd, argv, {
    cwd: TRAINER_DIR,
    env: { ...process.env, PYTHONPATH: TRAINER_DIR, PYTHONUNBUFFERED: '1', ...traceContextEnv(), ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let protocolError: TrainerProtocolError | null = null;
  const stdoutDone = new Promise<void>((resolve) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      if (!line.trim() || protocolError) return;
      try {
        o.onEvent(parseTrainerLine(o.protocol, line));
      } catch (err) {
        if (!(err instanceof TrainerProtocolError)) throw err;
        protocolError = err;
        child.kill('SIGTERM');
      }
    });
    rl.on('close', resolve);
  });
  createInterface({ input: child.stderr! }).on('line', o.onStderr);
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const status = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1);
      void stdoutDone.then(() => resolve(status));
    });
  });
  return {
    pid: child.pid!,
    exited,
    protocolError: () => protocolError,
    async stop(graceMs) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      }
      return exited;
    },
  };
}
