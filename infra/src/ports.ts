import { createServer } from 'node:net';
import { freeLoopbackPort } from '@refinery/core/net';
import { describeError, StartupError } from './startup';

/** Asks the OS for a free loopback port. */
export const freePort = freeLoopbackPort;

/** A free loopback port in [min, max): for servers that store their port in a narrow column. */
export async function freePortInRange(min: number, max: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = min + Math.floor(Math.random() * (max - min));
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free loopback port in ${min}-${max - 1} after 50 tries`);
}

export interface WaitOptions {
  intervalMs?: number;
  /** The service named in the error (default: `what`). */
  service?: string;
  /** The service's recent output, shown in the error. */
  tail?: () => string[];
  /** Non-null once the service's process has ended ("code 1", "signal SIGKILL"): fail at once. */
  exited?: () => string | null;
}

/**
 * Polls `check` until it returns true. Throws a StartupError naming the service, `what` was
 * awaited, how long, the last check error and the service's output tail when the deadline
 * passes, and at once when `exited` reports that the process ended. A check that hangs is
 * abandoned at the deadline.
 */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, o: WaitOptions = {}): Promise<void> {
  const intervalMs = o.intervalMs ?? 250;
  const started = Date.now();
  const deadline = started + timeoutMs;
  const service = o.service ?? what;
  const waitingFor = o.service ? what : undefined;
  let lastError: unknown;
  const failExited = (exit: string): never => {
    throw new StartupError({ service, waitingFor, waitedMs: Date.now() - started, reason: 'exited', exit, cause: describeError(lastError), tail: o.tail?.() });
  };
  for (;;) {
    const exit = o.exited?.();
    if (exit) failExited(exit);
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    let timer: NodeJS.Timeout | undefined;
    try {
      const attempt = check();
      attempt.catch(() => {});
      const ok = await Promise.race([attempt, new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), remaining)))]);
      if (ok) return;
    } catch (err) {
      lastError = err;
    } finally {
      clearTimeout(timer);
    }
    const exitAfter = o.exited?.();
    if (exitAfter) failExited(exitAfter);
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(intervalMs, deadline - Date.now()))));
  }
  throw new StartupError({
    service,
    waitingFor,
    waitedMs: Date.now() - started,
    reason: 'timeout',
    cause: describeError(lastError),
    tail: o.tail?.(),
  });
}
