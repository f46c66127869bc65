import type { OpenLineageRedeliveryResult } from '@refinery/core';
import { attemptOpenLineageDelivery, countPendingOpenLineageDeliveries, pendingOpenLineageDeliveries, type Db, type DeliveryOutcome } from '@refinery/db';

/**
 * Delivery of stored OpenLineage events to the configured HTTP endpoint (e.g. Marquez). Never in
 * a run's way: the first attempt runs in the background after the event is stored, with a few
 * quick retries bounded to a few seconds; what still fails stays in `openlineage_dead_letters`
 * for the periodic redelivery (and an instance admin's "redeliver now").
 */
export interface OpenLineageEndpoint {
  url: string;
  apiKey?: string;
}

const ATTEMPT_TIMEOUT_MS = 1_500;
/** Pauses between the immediate attempts: at most 3 tries and ~5.5 s in all. */
const IMMEDIATE_BACKOFF_MS = [250, 750];
/** After N failed rounds, wait min(1 min × 2^(N-1), 1 h) before the next. */
export const retryAfterMs = (attempts: number) => Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
/** How long after a failed delivery the background sender tries each event only once. */
const STRUGGLING_FOR_MS = 30_000;
/** A redelivery round stops after this many failures in a row: the endpoint is down. */
const GIVE_UP_AFTER_CONSECUTIVE_FAILURES = 3;

/** Where errors point: the endpoint without credentials or query. */
const shown = (url: string) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

const transient = (status: number) => status === 408 || status === 429 || status >= 500;

/** One POST; the error names the endpoint and what went wrong, never the key. */
async function post(endpoint: OpenLineageEndpoint, event: object): Promise<{ ok: true } | { ok: false; error: string; retry: boolean }> {
  try {
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}) },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      redirect: 'error',
    });
    await res.body?.cancel();
    if (res.ok) return { ok: true };
    return { ok: false, error: `HTTP ${res.status} from ${shown(endpoint.url)}`, retry: transient(res.status) };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const raw = e.name === 'TimeoutError' ? `no answer within ${ATTEMPT_TIMEOUT_MS} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    // Messages may quote the URL; the stored error must not carry credentials from it.
    const why = raw.split(endpoint.url).join(shown(endpoint.url));
    return { ok: false, error: `${shown(endpoint.url)}: ${why}`, retry: true };
  }
}

/** POSTs an event, retrying transient failures `tries` times in all with short pauses. */
export async function postOpenLineageEvent(endpoint: OpenLineageEndpoint, event: object, tries: number): Promise<{ ok: true } | { ok: false; error: string }> {
  let last: { ok: false; error: string } = { ok: false, error: 'not attempted' };
  for (let i = 0; i < tries; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, IMMEDIATE_BACKOFF_MS[i - 1] ?? IMMEDIATE_BACKOFF_MS.at(-1)));
    const outcome = await post(endpoint, event);
    if (outcome.ok) return outcome;
    last = { ok: false, error: outcome.error };
    if (!outcome.retry) break;
  }
  return last;
}

const attempt = (db: Db, endpoint: OpenLineageEndpoint, eventId: number, tries: number) =>
  attemptOpenLineageDelivery(
    db,
    eventId,
    async (event, earlier): Promise<DeliveryOutcome> => {
      const outcome = await postOpenLineageEvent(endpoint, event, tries);
      return outcome.ok ? outcome : { ok: false, error: outcome.error, attempts: earlier + 1 };
    },
    retryAfterMs,
  );

/**
 * The worker's background sender: events go out one at a time in the order they were stored
 * (a stage's START before its COMPLETE). Failures are recorded, never thrown.
 */
export function backgroundDelivery(db: Db, endpoint: OpenLineageEndpoint) {
  let tail: Promise<unknown> = Promise.resolve();
  // After a failure, events get one try each for a while (not three): a dead endpoint must not
  // turn every event into seconds of waiting and a growing queue.
  let struggling = 0;
  return {
    enqueue(eventId: number): void {
      tail = tail
        .then(async () => {
          const outcome = await attempt(db, endpoint, eventId, Date.now() < struggling ? 1 : 1 + IMMEDIATE_BACKOFF_MS.length);
          if (outcome === 'failed') struggling = Date.now() + STRUGGLING_FOR_MS;
          if (outcome === 'delivered') struggling = 0;
        })
        .catch((err: Error) => console.error(`[openlineage] delivery of event ${eventId} could not be recorded: ${err.message}`));
    },
    /** Resolves when everything enqueued so far has been attempted. */
    drained: (): Promise<unknown> => tail,
  };
}

export type RedeliveryResult = Omit<OpenLineageRedeliveryResult, 'configured'>;

/**
 * One redelivery round over undelivered events (all, or only those due), one try each, oldest
 * first; stops early after a few failures in a row rather than waiting on a dead endpoint.
 */
export async function redeliverOpenLineageEvents(db: Db, endpoint: OpenLineageEndpoint, o: { dueOnly: boolean; limit?: number; onProgress?: () => void }): Promise<RedeliveryResult> {
  const ids = await pendingOpenLineageDeliveries(db, { dueOnly: o.dueOnly, limit: o.limit ?? 1_000 });
  const result: RedeliveryResult = { attempted: 0, delivered: 0, failed: 0, remaining: 0 };
  let failuresInARow = 0;
  for (const id of ids) {
    o.onProgress?.();
    const outcome = await attempt(db, endpoint, id, 1);
    if (outcome === 'skipped') continue;
    result.attempted++;
    if (outcome === 'delivered') {
      result.delivered++;
      failuresInARow = 0;
    } else {
      result.failed++;
      if (++failuresInARow >= GIVE_UP_AFTER_CONSECUTIVE_FAILURES) {
        result.stopped = `${failuresInARow} deliveries in a row failed; the endpoint looks down`;
        break;
      }
    }
  }
  result.remaining = await countPendingOpenLineageDeliveries(db);
  return result;
}
