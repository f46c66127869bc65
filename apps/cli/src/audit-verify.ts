import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { ChainVerifier, checkCheckpoints, keyIdOf, parseExportLine, type AuditCheckpoint, type AuditPublicKey, type BrokenLink, type CheckpointExport, type CheckpointCheck } from '@refinery/core';
import { createPublicKey } from 'node:crypto';

/**
 * The client side of `refinery audit verify`: recomputes every link of an exported chain (JSONL,
 * streamed: memory stays flat) and checks signed checkpoints against it. It uses only what it is
 * given; the server's stored hashes are compared, never trusted.
 */
export interface VerifyOutcome {
  ok: boolean;
  verified: number;
  legacy: number;
  head: { seq: number; hash: string } | null;
  firstBroken: BrokenLink | null;
  checkpoints: { checked: number; failed: { seq: number; at: string; problem: string }[] };
  /** Whose public keys checked the signatures: files the user gave, or what came with the checkpoints. */
  keysFrom: 'given' | 'checkpoint export';
  /** Set when the download ended before the head the server announced (a cut connection, not a verdict on the chain). */
  incomplete: string | null;
}

export async function verifyExport(lines: Readable, checkpoints: readonly AuditCheckpoint[], keys: readonly AuditPublicKey[], keysFrom: VerifyOutcome['keysFrom'], announcedHead: number | null = null): Promise<VerifyOutcome> {
  const verifier = new ChainVerifier(new Set(checkpoints.map((c) => c.seq)));
  let lineNo = 0;
  for await (const line of createInterface({ input: lines, crlfDelay: Infinity })) {
    lineNo++;
    if (line.trim() === '') continue;
    verifier.add(parseExportLine(line, lineNo));
  }
  const chain = verifier.finish();
  const checks: CheckpointCheck[] = checkCheckpoints(checkpoints, keys, chain);
  const failed = checks.filter((c) => !c.ok).map((c) => ({ seq: c.checkpoint.seq, at: c.checkpoint.at, problem: c.problem! }));
  const reached = chain.head?.seq ?? 0;
  const incomplete = announcedHead !== null && reached < announcedHead ? `the download ended at seq ${reached} but the server's chain reached seq ${announcedHead} when the export began; run it again` : null;
  return { ok: chain.ok && failed.length === 0 && !incomplete, verified: chain.verified, legacy: chain.legacy, head: chain.head, firstBroken: chain.firstBroken, checkpoints: { checked: checks.length, failed }, keysFrom, incomplete };
}

export const openExportFile = (path: string): Readable => createReadStream(path, { encoding: 'utf8' });

/** A checkpoint export file (`refinery audit checkpoint -o`), checked for shape. */
export async function readCheckpointFile(path: string): Promise<CheckpointExport> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the checkpoints file ${path} (${(err as Error).message}); it is what \`refinery audit checkpoint -o <file>\` writes`);
  }
  const e = parsed as Partial<CheckpointExport>;
  if (!Array.isArray(e.checkpoints) || !Array.isArray(e.publicKeys)) throw new Error(`${path} is not a checkpoint export: it needs "checkpoints" and "publicKeys" arrays (what \`refinery audit checkpoint -o <file>\` writes)`);
  return e as CheckpointExport;
}

/** A PEM public key file (the `publicKeyPem` of a checkpoint export, kept where the server cannot change it). */
export async function readPublicKeyFile(path: string): Promise<AuditPublicKey> {
  const pem = await readFile(path, 'utf8').catch((err: Error) => {
    throw new Error(`cannot read the public key file ${path} (${err.message})`);
  });
  try {
    return { keyId: keyIdOf(createPublicKey(pem)), publicKeyPem: pem };
  } catch (err) {
    throw new Error(`${path} is not a PEM public key (${(err as Error).message}); save the publicKeyPem of \`refinery audit checkpoint --list\``);
  }
}

/** Checkpoints from several sources, each once (the same signature is the same checkpoint). */
export function mergeCheckpoints(...lists: readonly AuditCheckpoint[][]): AuditCheckpoint[] {
  const seen = new Map<string, AuditCheckpoint>();
  for (const c of lists.flat()) seen.set(c.signature, c);
  return [...seen.values()].sort((a, b) => a.seq - b.seq);
}

const KIND_TEXT: Record<BrokenLink['kind'], string> = {
  hash_mismatch: 'hash mismatch',
  prev_hash_mismatch: 'prev_hash mismatch',
  gap: 'gap in the sequence',
  malformed: 'malformed event',
};

export function describeOutcome(o: VerifyOutcome): string {
  const lines: string[] = [];
  const range = o.head ? ` (seq 1..${o.head.seq})` : '';
  lines.push(`verified ${o.verified} event(s)${o.ok || !o.firstBroken ? range : ''}, recomputing every hash locally`);
  if (o.legacy) lines.push(`${o.legacy} event(s) before the chain began (written before chaining; not covered by it)`);
  if (o.firstBroken) {
    const b = o.firstBroken;
    lines.push(`FIRST BROKEN LINK: seq ${b.seq ?? '-'}, event id ${b.id ?? '-'}: ${KIND_TEXT[b.kind]}: ${b.detail}`);
  }
  const keyNote = o.keysFrom === 'given' ? 'with the public key(s) you gave' : "with the public key(s) that came with the checkpoints (pass --public-key with a copy you keep to trust no one's word for it)";
  if (o.checkpoints.checked === 0) lines.push('no signed checkpoints to check: a truncated tail would go unnoticed (take one with `refinery audit checkpoint -o <file>`)');
  else if (o.checkpoints.failed.length === 0) lines.push(`${o.checkpoints.checked} signed checkpoint(s) verified ${keyNote}; the chain still reaches each with the signed hash`);
  else for (const f of o.checkpoints.failed) lines.push(`CHECKPOINT FAILED: ${f.problem}`);
  if (o.incomplete) lines.push(`INCOMPLETE DOWNLOAD: ${o.incomplete}`);
  lines.push(o.ok ? 'OK' : 'FAILED');
  return lines.join('\n');
}
