import { projectsAllowing, type Principal } from '@refinery/auth';
import { ChainVerifier, checkCheckpoints, loadSigningKey, type AuditVerifyReport, type CheckpointExport, type SigningKey } from '@refinery/core';
import { auditChainHead, exportAuditChain, listAuditCheckpoints, listAuditEvents, takeAuditCheckpoint } from '@refinery/db';
import { HttpError } from './http';
import type { ServerContext } from './context';

const MAX_LIMIT = 200;

function parseTime(name: string, value: string | null): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new HttpError(400, 'invalid_query', `${name} must be an ISO 8601 time, e.g. 2026-01-31T12:00:00Z; got "${value}"`);
  return d;
}

/**
 * `GET /api/v1/audit/events`: newest first, filtered by ?actor=&action=&project=&from=&to=,
 * paged by ?cursor=&limit=. An instance admin reads every event; anyone else the events of
 * the projects where their role allows `audit.read` (reviewer, admin); others get none.
 */
export async function listEventsQuery(server: ServerContext, q: URLSearchParams, principal: Principal) {
  const limit = q.get('limit') === null ? 50 : Number(q.get('limit'));
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new HttpError(400, 'invalid_query', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  const cursorText = q.get('cursor');
  const cursor = cursorText === null ? undefined : Number(cursorText);
  if (cursor !== undefined && (!Number.isInteger(cursor) || cursor < 1)) throw new HttpError(400, 'invalid_query', 'cursor must be the nextCursor of a previous page');
  return listAuditEvents(server.database.db, {
    actor: q.get('actor') || undefined,
    action: q.get('action') || undefined,
    project: q.get('project') || undefined,
    from: parseTime('from', q.get('from')),
    to: parseTime('to', q.get('to')),
    visibleProjects: projectsAllowing(principal, 'audit.read'),
    limit,
    cursor,
  });
}

export function requireInstanceAdmin(principal: Principal, what: string) {
  if (!(principal.kind === 'user' && principal.instanceAdmin)) {
    const hint = principal.kind === 'token' ? ' (API tokens never are: with the CLI, pass --email to sign in as one)' : '';
    throw new HttpError(403, 'forbidden', `only an instance admin may ${what}${hint}`);
  }
}

/**
 * The whole log as JSONL, in export order (legacy events, then the chain by seq), streamed page by
 * page. `X-Refinery-Audit-Head-Seq` is the head when the export began, so a client can tell a cut
 * download from a short chain.
 */
export async function exportChainResponse(server: ServerContext): Promise<Response> {
  const head = await auditChainHead(server.database.db);
  const events = exportAuditChain(server.database.db);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await events.next();
      if (next.done) return controller.close();
      controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
    },
    async cancel() {
      await events.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': 'attachment; filename="audit-chain.jsonl"',
      'Cache-Control': 'no-store',
      'X-Refinery-Audit-Head-Seq': String(head?.seq ?? 0),
    },
  });
}

let signingKey: SigningKey | undefined;

/** The instance's checkpoint key, loaded once (a bad key answers 500 and says why in the log). */
export function auditSigningKey(server: ServerContext): SigningKey {
  if (signingKey) return signingKey;
  const text = server.config.REFINERY_AUDIT_SIGNING_KEY;
  if (!text) throw new HttpError(503, 'no_signing_key', 'this server has no audit signing key: set REFINERY_AUDIT_SIGNING_KEY (docs/security.md, Audit log)');
  signingKey = loadSigningKey(text);
  return signingKey;
}

export async function checkpointExport(server: ServerContext): Promise<CheckpointExport> {
  const key = auditSigningKey(server);
  return { publicKeys: [{ keyId: key.keyId, publicKeyPem: key.publicKeyPem }], checkpoints: await listAuditCheckpoints(server.database.db) };
}

export async function takeCheckpointNow(server: ServerContext) {
  const checkpoint = await takeAuditCheckpoint(server.database.db, auditSigningKey(server));
  if (!checkpoint) throw new HttpError(409, 'empty_chain', 'the audit chain has no events yet; nothing to sign');
  return checkpoint;
}

/**
 * The server's own check of the whole chain and its checkpoints, for the dashboard's banner.
 * It proves nothing the server could not fake; `refinery audit verify` recomputes it client-side.
 */
export async function verifyOnServer(server: ServerContext): Promise<AuditVerifyReport> {
  const exported = await checkpointExport(server);
  const verifier = new ChainVerifier(new Set(exported.checkpoints.map((c) => c.seq)));
  for await (const e of exportAuditChain(server.database.db)) verifier.add(e);
  const chain = verifier.finish();
  const checks = checkCheckpoints(exported.checkpoints, exported.publicKeys, chain);
  const failed = checks.filter((c) => !c.ok).map((c) => ({ seq: c.checkpoint.seq, at: c.checkpoint.at, problem: c.problem! }));
  return {
    ok: chain.ok && failed.length === 0,
    verified: chain.verified,
    legacy: chain.legacy,
    head: chain.head,
    firstBroken: chain.firstBroken,
    checkpoints: { total: checks.length, failed, latest: exported.checkpoints.at(-1) ?? null },
    checkedAt: new Date().toISOString(),
  };
}
