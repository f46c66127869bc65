import { AsyncLocalStorage } from 'node:async_hooks';
import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import { eventHash, GENESIS_HASH, jsonValue, signCheckpoint, type AuditCheckpoint, type AuditEventFields, type ChainedAuditEvent, type SigningKey } from '@refinery/core';
import type { Db } from './client';
import { auditCheckpoints, auditEvents, runs } from './schema';

export interface AuditEntry {
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  data?: Record<string, unknown>;
  /** The project the action concerns; default: the request's authorized project, or the run's. */
  projectId?: string | null;
  /** The API request that caused it; default: the request being served (see withAuditRequest). */
  requestId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** What the API route wrapper knows about the request being served, for events it causes. */
export interface AuditRequestContext {
  requestId: string;
  /** Set once the route's rule has resolved (and authorized) the project. */
  projectId?: string;
}

const requestContext = new AsyncLocalStorage<AuditRequestContext>();

/** Runs `fn` with `ctx` as the default request id and project of every audit event it writes. */
export const withAuditRequest = <T>(ctx: AuditRequestContext, fn: () => Promise<T>): Promise<T> => requestContext.run(ctx, fn);

// One chain, one writer at a time: a transaction-scoped advisory lock (held until the outermost
// transaction commits, so the next writer reads this event as the head). The key is arbitrary
// but fixed: "refinery audit chain" as a 63-bit number.
const CHAIN_LOCK_KEY = 0x7265_6669_6175_6474n;

/**
 * Appends an event to the hash-chained audit log: the one choke point every state-changing
 * action calls. Inside a caller's transaction it extends that transaction (a savepoint), so the
 * event commits or rolls back with the change it records; otherwise it opens its own.
 */
export async function audit(db: Db, entry: AuditEntry): Promise<void> {
  const ambient = requestContext.getStore();
  await db.transaction(async (tx) => {
    // Read before taking the chain's lock: every writer waits on it, so it covers only the head read and the insert.
    const projectId = entry.projectId !== undefined ? entry.projectId : (ambient?.projectId ?? (await projectOfRun(tx as unknown as Db, entry)));
    await tx.execute(sql`select pg_advisory_xact_lock(${CHAIN_LOCK_KEY.toString()}::bigint)`);
    const [head] = await tx.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).where(sql`${auditEvents.seq} is not null`).orderBy(desc(auditEvents.seq)).limit(1);
    const prevHash = head?.hash ?? GENESIS_HASH;
    // Set under the lock, so times follow the sequence on one clock; milliseconds, as in the hash.
    const at = new Date();
    const fields: AuditEventFields = {
      seq: (head?.seq ?? 0) + 1,
      at: at.toISOString(),
      actor: entry.actor,
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId,
      projectId: projectId ?? null,
      requestId: entry.requestId ?? ambient?.requestId ?? null,
      // Hash exactly what jsonb will give back.
      data: jsonValue(entry.data),
      before: jsonValue(entry.before),
      after: jsonValue(entry.after),
    };
    await tx.insert(auditEvents).values({ ...fields, at, prevHash, hash: eventHash(prevHash, fields) });
  });
}

/** Workflow events name their run as actor or subject; the run's project is one primary-key read away. */
async function projectOfRun(db: Db, entry: AuditEntry): Promise<string | null> {
  const runId = entry.subjectType === 'run' ? entry.subjectId : entry.actor.startsWith('workflow:') ? entry.actor.slice('workflow:'.length) : null;
  if (!runId) return null;
  const [run] = await db.select({ projectId: runs.projectId }).from(runs).where(eq(runs.id, runId)).limit(1);
  return run?.projectId ?? null;
}

type EventRow = typeof auditEvents.$inferSelect;

export const toChainedEvent = (r: EventRow): ChainedAuditEvent => ({
  id: r.id,
  seq: r.seq,
  at: r.at.toISOString(),
  actor: r.actor,
  action: r.action,
  subjectType: r.subjectType,
  subjectId: r.subjectId,
  projectId: r.projectId,
  requestId: r.requestId,
  data: r.data ?? null,
  before: r.before ?? null,
  after: r.after ?? null,
  prevHash: r.prevHash,
  hash: r.hash,
});

export interface AuditEventFilter {
  actor?: string;
  /** Exact action, or a prefix ending in "." (e.g. "model."). */
  action?: string;
  project?: string;
  from?: Date;
  to?: Date;
  /** Only these projects' events ('all': every event, including those of no project). */
  visibleProjects: readonly string[] | 'all';
}

/** Newest first; the cursor is the last event's id. */
export async function listAuditEvents(db: Db, q: AuditEventFilter & { limit: number; cursor?: number }): Promise<{ events: ChainedAuditEvent[]; nextCursor: string | null }> {
  if (q.visibleProjects !== 'all' && q.visibleProjects.length === 0) return { events: [], nextCursor: null };
  const conditions: (SQL | undefined)[] = [
    q.visibleProjects === 'all' ? undefined : inArray(auditEvents.projectId, [...q.visibleProjects]),
    q.actor ? eq(auditEvents.actor, q.actor) : undefined,
    q.action ? (q.action.endsWith('.') ? sql`starts_with(${auditEvents.action}, ${q.action})` : eq(auditEvents.action, q.action)) : undefined,
    q.project ? eq(auditEvents.projectId, q.project) : undefined,
    q.from ? gte(auditEvents.at, q.from) : undefined,
    q.to ? lte(auditEvents.at, q.to) : undefined,
    q.cursor !== undefined ? lt(auditEvents.id, q.cursor) : undefined,
  ];
  const where = conditions.filter((c): c is SQL => c !== undefined);
  const rows = await db
    .select()
    .from(auditEvents)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit).map(toChainedEvent);
  return { events: page, nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.id) : null };
}

/**
 * The whole log in export order, a page at a time: events from before the chain (seq null, by
 * id), then the chain by seq. Keyset paging, so memory stays flat however long the log is.
 */
export async function* exportAuditChain(db: Db, pageSize = 1000): AsyncGenerator<ChainedAuditEvent> {
  let lastId = 0;
  for (;;) {
    const rows = await db.select().from(auditEvents).where(and(isNull(auditEvents.seq), gt(auditEvents.id, lastId))).orderBy(asc(auditEvents.id)).limit(pageSize);
    for (const r of rows) yield toChainedEvent(r);
    if (rows.length < pageSize) break;
    lastId = rows[rows.length - 1]!.id;
  }
  let lastSeq = 0;
  for (;;) {
    const rows = await db.select().from(auditEvents).where(gt(auditEvents.seq, lastSeq)).orderBy(asc(auditEvents.seq)).limit(pageSize);
    for (const r of rows) yield toChainedEvent(r);
    if (rows.length < pageSize) break;
    lastSeq = rows[rows.length - 1]!.seq!;
  }
}

/** The chain's head (last seq and its hash), or null while the chain is empty. */
export async function auditChainHead(db: Db): Promise<{ seq: number; hash: string } | null> {
  const [head] = await db.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).where(sql`${auditEvents.seq} is not null`).orderBy(desc(auditEvents.seq)).limit(1);
  return head?.seq != null && head.hash ? { seq: head.seq, hash: head.hash } : null;
}

const toCheckpoint = (r: typeof auditCheckpoints.$inferSelect): AuditCheckpoint => ({ seq: r.seq, hash: r.hash, at: r.at.toISOString(), keyId: r.keyId, signature: r.signature });

/**
 * Signs the chain's head and stores the checkpoint; null while the chain is empty. Holds the
 * chain lock while it reads the head, so the head is a committed one.
 */
export async function takeAuditCheckpoint(db: Db, key: SigningKey): Promise<AuditCheckpoint | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CHAIN_LOCK_KEY.toString()}::bigint)`);
    const head = await auditChainHead(tx as unknown as Db);
    if (!head) return null;
    const checkpoint = signCheckpoint(key, head);
    await tx.insert(auditCheckpoints).values({ ...checkpoint, at: new Date(checkpoint.at) });
    return checkpoint;
  });
}

export async function listAuditCheckpoints(db: Db): Promise<AuditCheckpoint[]> {
  const rows = await db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.seq), asc(auditCheckpoints.id));
  return rows.map(toCheckpoint);
}

/** The latest checkpoint, if any (for the dashboard's banner). */
export async function latestAuditCheckpoint(db: Db): Promise<AuditCheckpoint | null> {
  const [r] = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.id)).limit(1);
  return r ? toCheckpoint(r) : null;
}
