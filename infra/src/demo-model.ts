import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { LogTail, STARTUP_TIMEOUTS_S, StartupError, startupTimeoutMs } from './startup';
import { REPO_ROOT } from './toolchain';

/** The model families examples/build_tiny_model.py builds (the demo's base is `llama`). */
export const TINY_MODEL_FAMILIES = ['llama', 'mistral', 'qwen2'] as const;
export type TinyModelFamily = (typeof TINY_MODEL_FAMILIES)[number];

export const tinyModelDir = (family: TinyModelFamily) => join(REPO_ROOT, `examples/models/tiny-${family}`);
export const DEMO_MODEL_DIR = tinyModelDir('llama');

/**
 * Builds a tiny base model of `family` (examples/build_tiny_model.py) unless an up-to-date build
 * is already there (the builder checks its own stamp). About a minute on first use; a failure
 * or a build past STARTUP_TIMEOUTS_S.demoModel throws with the builder's last output lines.
 */
export function ensureTinyModel(python: string, family: TinyModelFamily, log: (line: string) => void): void {
  const timeoutMs = startupTimeoutMs(STARTUP_TIMEOUTS_S.demoModel);
  const started = Date.now();
  const r = spawnSync(python, [join(REPO_ROOT, 'examples/build_tiny_model.py'), '--arch', family, '--out', tinyModelDir(family)], { cwd: REPO_ROOT, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  const tail = new LogTail(200);
  for (const line of tail.pushLines(`${r.stdout ?? ''}\n${r.stderr ?? ''}`)) log(line);
  if (r.status === 0) return;
  const failure = { service: `tiny ${family} model builder`, waitingFor: 'examples/build_tiny_model.py to finish', waitedMs: Date.now() - started, tail: tail.last(40) };
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') throw new StartupError({ ...failure, reason: 'timeout' });
  if (r.error) throw new StartupError({ ...failure, reason: 'error', cause: r.error.message });
  throw new StartupError({ ...failure, reason: 'exited', exit: r.signal ? `signal ${r.signal}` : `code ${r.status}` });
}

/** The demo's base model (tiny Llama). */
export const ensureDemoModel = (python: string, log: (line: string) => void) => ensureTinyModel(python, 'llama', log);
