/**
 * Start-up bookkeeping shared by the launcher's services: how long to wait for each one, the
 * recent output of each (a bounded ring buffer of lines), and the error that names a service
 * that did not come up, what was awaited, for how long, and what the service printed last.
 */

/** Seconds each service gets to come up, sized for a loaded 2-core machine (scaled by the env below). */
export const STARTUP_TIMEOUTS_S = {
  /** initdb, then the server's "ready to accept connections", each. */
  postgres: 120,
  /** The dev server answering getSystemInfo. */
  temporal: 120,
  /** Migrations on a fresh database. */
  migrations: 120,
  /** A worker printing its "polling <task queue>" line. */
  worker: 180,
  /** `next start` answering /api/v1/openapi.json. */
  web: 180,
  /** `next build` when the sources changed. */
  webBuild: 900,
  /** examples/build_tiny_model.py when its stamp is stale. */
  demoModel: 600,
} as const;

/** Multiplies every start-up timeout (e.g. 2 on a very slow machine); a positive number. */
export const STARTUP_SCALE_ENV = 'REFINERY_STARTUP_TIMEOUT_SCALE';

export function startupTimeoutMs(baseSeconds: number, env: Record<string, string | undefined> = process.env): number {
  const raw = env[STARTUP_SCALE_ENV];
  const scale = raw === undefined || raw === '' ? 1 : Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`${STARTUP_SCALE_ENV} must be a positive number (got ${JSON.stringify(raw)})`);
  return Math.round(baseSeconds * scale * 1000);
}

/** The last `capacity` lines of a process's output (a ring buffer), for start-up errors. */
export class LogTail {
  private readonly ring: string[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity = 200) {
    if (!(capacity >= 1)) throw new Error('LogTail capacity must be at least 1');
    this.ring = new Array<string>(capacity);
  }

  /** Adds output holding one or more whole lines; returns its non-blank lines (CRLF tolerated). */
  pushLines(text: string): string[] {
    const lines = text
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l.trim());
    for (const line of lines) {
      this.ring[this.next] = line;
      this.next = (this.next + 1) % this.capacity;
      if (this.size < this.capacity) this.size++;
    }
    return lines;
  }

  /** The most recent `n` lines, oldest first. */
  last(n = 40): string[] {
    const count = Math.min(n, this.size);
    return Array.from({ length: count }, (_, i) => this.ring[(this.next - count + i + this.capacity) % this.capacity]!);
  }
}

export interface StartupFailure {
  /** The service, as a person would name it: "postgres", "web app", "pipeline worker". */
  service: string;
  /** What was awaited: a port, a URL, a log line. */
  waitingFor?: string;
  waitedMs: number;
  /** timeout: still not ready at the deadline; exited: the process ended first; error: start-up threw. */
  reason: 'timeout' | 'exited' | 'error';
  /** For `exited`: "code 1" or "signal SIGKILL". */
  exit?: string;
  /** The last error a readiness check or the start-up threw. */
  cause?: string;
  /** The service's last output lines. */
  tail?: string[];
}

export function startupFailureMessage(f: StartupFailure): string {
  const waited = `${(f.waitedMs / 1000).toFixed(1)}s`;
  const awaiting = f.waitingFor ? ` for ${f.waitingFor}` : '';
  let head: string;
  if (f.reason === 'exited') {
    head = `${f.service} exited with ${f.exit ?? 'unknown status'} during start-up, after ${waited} (it was being waited on${awaiting})`;
  } else if (f.reason === 'timeout') {
    head = `${f.service} did not come up: waited ${waited}${awaiting}; set ${STARTUP_SCALE_ENV}=2 (or more) to allow more time on a slow machine`;
  } else {
    head = `${f.service} failed to start after ${waited}${f.waitingFor ? ` (waiting for ${f.waitingFor})` : ''}`;
  }
  const lines = [head];
  if (f.cause) lines.push(`${f.reason === 'timeout' ? 'last error' : 'error'}: ${f.cause}`);
  if (f.tail) {
    lines.push(f.tail.length ? `last ${f.tail.length} lines of ${f.service} output:` : `${f.service} printed nothing`);
    for (const l of f.tail) lines.push(`  | ${l}`);
  }
  return lines.join('\n');
}

/** An error's message plus its cause's code or message (fetch says only "fetch failed" itself). */
export function describeError(err: unknown): string | undefined {
  if (err === undefined || err === null) return undefined;
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? ((cause as { code?: string }).code ?? cause.message) : undefined;
  return detail && !err.message.includes(detail) ? `${err.message} (${detail})` : err.message;
}

/** A service that did not come up; the message says which, what was awaited and its output tail. */
export class StartupError extends Error {
  constructor(readonly failure: StartupFailure) {
    super(startupFailureMessage(failure));
    this.name = 'StartupError';
  }
}

/**
 * Awaits `promise` for at most `timeoutMs`; a timeout or a rejection becomes a StartupError
 * naming the service (a StartupError from inside passes through). `onTimeout` may clean up.
 */
export async function withStartupTimeout<T>(
  promise: Promise<T>,
  o: { service: string; waitingFor: string; timeoutMs: number; tail?: () => string[]; onTimeout?: () => Promise<unknown> | void },
): Promise<T> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = Symbol('timeout');
  try {
    const result = await Promise.race([promise, new Promise<typeof timedOut>((resolve) => (timer = setTimeout(() => resolve(timedOut), o.timeoutMs)))]);
    if (result === timedOut) {
      promise.catch(() => {}); // settles after we gave up; nobody listens any more
      await o.onTimeout?.();
      throw new StartupError({ service: o.service, waitingFor: o.waitingFor, waitedMs: Date.now() - started, reason: 'timeout', tail: o.tail?.() });
    }
    return result as T;
  } catch (err) {
    if (err instanceof StartupError) throw err;
    const cause = describeError(err);
    throw new StartupError({ service: o.service, waitingFor: o.waitingFor, waitedMs: Date.now() - started, reason: 'error', cause, tail: o.tail?.() });
  } finally {
    clearTimeout(timer);
  }
}
