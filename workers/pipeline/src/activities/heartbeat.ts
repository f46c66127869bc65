import { Context } from '@temporalio/activity';

/**
 * Heartbeats `progress` every second while `work` runs, independent of data flow, so a
 * stalled source still lets Temporal deliver cancellation. Resolves or rejects as soon as
 * the activity is cancelled, even if `work` is blocked in I/O.
 */
export async function withHeartbeat<T>(progress: object, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat(progress);
  const timer = setInterval(() => ctx.heartbeat(progress), 1000);
  try {
    return await Promise.race([work(ctx.cancellationSignal), ctx.cancelled as Promise<never>]);
  } finally {
    clearInterval(timer);
  }
}
