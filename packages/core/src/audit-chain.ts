import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The audit log's hash chain and its signed checkpoints: one pure module that the server (which
 * writes and signs) and the CLI (which verifies, never trusting the server's hashes) both use.
 *
 * Event n stores hash_n = SHA-256(hash_{n-1} + canonical JSON of its own fields, seq included);
 * the first event's previous hash is GENESIS_HASH. Canonical JSON is RFC 8785 (JCS).
 * A checkpoint is an Ed25519 signature over the canonical JSON of {at, hash, keyId, seq}.
 * Node built-ins only: this file stays out of `@refinery/core/workflow-safe`.
 */

export const GENESIS_HASH = '0'.repeat(64);

/** An event's own fields, as hashed: what it says happened, where it sits, when. */
export interface AuditEventFields {
  seq: number;
  /** ISO 8601 with milliseconds, set by the writer. */
  at: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  projectId: string | null;
  requestId: string | null;
  data: unknown;
  before: unknown;
  after: unknown;
}

/** An event as exported (one JSONL line): its fields, the chain links, and its row id. */
export interface ChainedAuditEvent extends Omit<AuditEventFields, 'seq'> {
  id: number;
  /** null for events written before chaining began. */
  seq: number | null;
  prevHash: string | null;
  hash: string | null;
}

/** RFC 8785 canonical JSON; refuses values JSON cannot carry (NaN, lone surrogates, cycles). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('canonical JSON: the value has no JSON representation');
  return text;
}

/** What survives a trip through JSON (and so through jsonb): `undefined` dropped, dates as strings. */
export const jsonValue = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));

/** The canonical form of an event's own fields (the chain links and the row id are not part of it). */
export function canonicalEvent(e: AuditEventFields): string {
  return canonicalJson({
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    projectId: e.projectId ?? null,
    requestId: e.requestId ?? null,
    data: e.data ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
  });
}

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export function eventHash(prevHash: string, e: AuditEventFields): string {
  return sha256Hex(prevHash + canonicalEvent(e));
}

// --- verification --------------------------------------------------------------------------

export type BrokenLinkKind = 'gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'malformed';

export interface BrokenLink {
  kind: BrokenLinkKind;
  seq: number | null;
  id: number | null;
  /** What differs, in words (expected vs found). */
  detail: string;
}

export interface ChainVerification {
  ok: boolean;
  /** Chained events whose links were recomputed and matched, up to the first broken one. */
  verified: number;
  /** Events written before chaining began (seq null): reported, not covered. */
  legacy: number;
  /** The last chained event seen (seq and hash), whether or not the chain broke. */
  head: { seq: number; hash: string } | null;
  firstBroken: BrokenLink | null;
  /** Stored hashes at the seqs the verifier was asked to remember (checkpoints), or at every seq. */
  hashes: Map<number, string>;
}

/**
 * Recomputes every link from the events' own fields (never trusting a stored hash) and stops
 * at the first broken one. Events must come in export order: legacy (seq null) first, then by seq.
 */
export class ChainVerifier {
  /** `remember`: the seqs whose hashes checkpoints will be checked against (default: all, for small chains). */
  constructor(private readonly remember?: ReadonlySet<number>) {}

  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private result: ChainVerification = { ok: true, verified: 0, legacy: 0, head: null, firstBroken: null, hashes: new Map() };

  add(e: ChainedAuditEvent): void {
    const r = this.result;
    if (e.seq === null || e.seq === undefined) {
      if (r.verified > 0 || r.firstBroken) return this.fail({ kind: 'malformed', seq: null, id: e.id ?? null, detail: 'an event without a sequence number follows chained events (legacy events come before the chain)' });
      r.legacy++;
      return;
    }
    r.head = { seq: e.seq, hash: e.hash ?? '' };
    if (e.hash && (!this.remember || this.remember.has(e.seq))) r.hashes.set(e.seq, e.hash);
    if (r.firstBroken) return;
    if (e.seq !== this.expectedSeq) {
      const what = e.seq > this.expectedSeq ? `events ${this.expectedSeq}..${e.seq - 1} are missing` : 'a sequence number repeats or goes back';
      return this.fail({ kind: 'gap', seq: e.seq, id: e.id, detail: `expected seq ${this.expectedSeq}, found seq ${e.seq} (${what})` });
    }
    if (e.prevHash !== this.prevHash) {
      return this.fail({ kind: 'prev_hash_mismatch', seq: e.seq, id: e.id, detail: `prev_hash is ${e.prevHash ?? 'missing'} but the previous event's hash is ${this.prevHash}` });
    }
    let recomputed: string;
    try {
      recomputed = eventHash(this.prevHash, e as AuditEventFields);
    } catch (err) {
      return this.fail({ kind: 'malformed', seq: e.seq, id: e.id, detail: `cannot compute its hash: ${(err as Error).message}` });
    }
    if (recomputed !== e.hash) {
      return this.fail({ kind: 'hash_mismatch', seq: e.seq, id: e.id, detail: `stored hash ${e.hash ?? 'missing'} but its fields hash to ${recomputed} (the event was changed after it was written)` });
    }
    r.verified++;
    this.expectedSeq++;
    this.prevHash = recomputed;
  }

  private fail(b: BrokenLink) {
    this.result.ok = false;
    this.result.firstBroken = b;
  }

  finish(): ChainVerification {
    return this.result;
  }
}

export function verifyChain(events: Iterable<ChainedAuditEvent>, remember?: ReadonlySet<number>): ChainVerification {
  const v = new ChainVerifier(remember);
  for (const e of events) v.add(e);
  return v.finish();
}

/** Parses one JSONL line of an export, saying which line was bad. */
export function parseExportLine(line: string, lineNo: number): ChainedAuditEvent {
  try {
    const e = JSON.parse(line) as ChainedAuditEvent;
    if (typeof e !== 'object' || e === null || typeof e.actor !== 'string' || typeof e.action !== 'string') throw new Error('not an audit event');
    return e;
  } catch (err) {
    throw new Error(`line ${lineNo} of the export is not an audit event (${(err as Error).message})`);
  }
}

// --- signed checkpoints ----------------------------------------------------------------------

export interface AuditCheckpoint {
  seq: number;
  hash: string;
  /** ISO 8601 with milliseconds. */
  at: string;
  keyId: string;
  /** base64 Ed25519 signature over canonicalJson({at, hash, keyId, seq}). */
  signature: string;
}

export interface AuditPublicKey {
  keyId: string;
  /** SPKI PEM. */
  publicKeyPem: string;
}

/** What `GET /api/v1/audit/checkpoints` returns and `refinery audit checkpoint -o` saves. */
export interface CheckpointExport {
  publicKeys: AuditPublicKey[];
  checkpoints: AuditCheckpoint[];
}

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** Key id: the first 16 hex digits of the SHA-256 of the public key (SPKI DER). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** A PEM (PKCS#8) Ed25519 private key, or the same as base64 of its DER. */
export function loadSigningKey(text: string): SigningKey {
  let privateKey: KeyObject;
  try {
    const trimmed = text.trim();
    privateKey = trimmed.startsWith('-----BEGIN') ? createPrivateKey(trimmed) : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new Error(`the audit signing key is not a PKCS#8 private key (${(err as Error).message}); make one with \`openssl genpkey -algorithm ed25519\``);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the audit signing key is ${privateKey.asymmetricKeyType}, not ed25519; make one with \`openssl genpkey -algorithm ed25519\``);
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A new Ed25519 private key as PKCS#8 PEM (the embedded launcher keeps one in .data/). */
export function generateSigningKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

const checkpointPayload = (c: Omit<AuditCheckpoint, 'signature'>) => Buffer.from(canonicalJson({ at: c.at, hash: c.hash, keyId: c.keyId, seq: c.seq }), 'utf8');

export function signCheckpoint(key: SigningKey, head: { seq: number; hash: string }, at: Date = new Date()): AuditCheckpoint {
  const unsigned = { seq: head.seq, hash: head.hash, at: at.toISOString(), keyId: key.keyId };
  return { ...unsigned, signature: sign(null, checkpointPayload(unsigned), key.privateKey).toString('base64') };
}

export interface CheckpointCheck {
  checkpoint: AuditCheckpoint;
  ok: boolean;
  /** Why it failed, in words; null when ok. */
  problem: string | null;
}

/**
 * Checks each checkpoint's signature with the key of its keyId among `keys`, then that the chain
 * still reaches its seq with the same hash (a shorter chain was truncated; another hash, rewritten).
 */
export function checkCheckpoints(checkpoints: readonly AuditCheckpoint[], keys: readonly AuditPublicKey[], chain: Pick<ChainVerification, 'head' | 'hashes'>): CheckpointCheck[] {
  const byId = new Map<string, KeyObject>();
  for (const k of keys) {
    const key = createPublicKey(k.publicKeyPem);
    byId.set(keyIdOf(key), key);
  }
  return checkpoints.map((c) => {
    const problem = checkpointProblem(c, byId, chain);
    return { checkpoint: c, ok: problem === null, problem };
  });
}

function checkpointProblem(c: AuditCheckpoint, keys: Map<string, KeyObject>, chain: Pick<ChainVerification, 'head' | 'hashes'>): string | null {
  const key = keys.get(c.keyId);
  if (!key) return `checkpoint signed at ${c.at} (seq ${c.seq}) names key ${c.keyId}, which is not among the public keys given (${[...keys.keys()].join(', ') || 'none'})`;
  let valid = false;
  try {
    valid = verify(null, checkpointPayload(c), key, Buffer.from(c.signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return `checkpoint signed at ${c.at} (seq ${c.seq}): the signature does not verify with key ${c.keyId} (the checkpoint was altered or forged)`;
  const headSeq = chain.head?.seq ?? 0;
  if (headSeq < c.seq) return `chain ends at seq ${headSeq} but checkpoint signed at ${c.at} covers seq ${c.seq} (the tail was truncated)`;
  const hash = chain.hashes.get(c.seq);
  if (hash !== c.hash) return `checkpoint signed at ${c.at} says seq ${c.seq} has hash ${c.hash}, but the chain has ${hash ?? 'no event there'} (the chain was rewritten)`;
  return null;
}

/** The daily checkpoint: a Temporal Schedule the pipeline worker ensures at start-up. */
export const AUDIT_CHECKPOINT_SCHEDULE = {
  scheduleId: 'refinery-audit-checkpoint',
  workflowType: 'auditCheckpoint',
  /** Every day at 00:05 UTC. */
  cron: '5 0 * * *',
} as const;

// --- API shapes ----------------------------------------------------------------------------

/** `GET /api/v1/audit/events`: newest first. */
export interface AuditEventList {
  events: ChainedAuditEvent[];
  nextCursor: string | null;
}

/** `GET /api/v1/audit/verify`: the server's own check of the chain (the CLI's is independent). */
export interface AuditVerifyReport {
  ok: boolean;
  verified: number;
  legacy: number;
  head: { seq: number; hash: string } | null;
  firstBroken: BrokenLink | null;
  checkpoints: { total: number; failed: { seq: number; at: string; problem: string }[]; latest: AuditCheckpoint | null };
  checkedAt: string;
}
