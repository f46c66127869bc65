import { describe, expect, it } from 'vitest';
import {
  canonicalEvent,
  canonicalJson,
  checkCheckpoints,
  eventHash,
  generateSigningKeyPem,
  GENESIS_HASH,
  jsonValue,
  loadSigningKey,
  signCheckpoint,
  verifyChain,
  type AuditEventFields,
  type ChainedAuditEvent,
} from '../src/audit-chain';

/** A chain of n events built the way the writer builds it. */
function chain(n: number): ChainedAuditEvent[] {
  const events: ChainedAuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const fields: AuditEventFields = {
      seq: i,
      at: new Date(Date.UTC(2026, 10, 30, 10, 0, i)).toISOString(),
      actor: `user:u${i % 3}`,
      action: i % 2 ? 'run.created' : 'member.added',
      subjectType: 'run',
      subjectId: `run_${i}`,
      projectId: 'demo',
      requestId: `req-${i}`,
      data: { n: i, nested: { b: [1, 'two', null], a: true } },
      before: i % 2 ? null : { role: 'viewer' },
      after: i % 2 ? null : { role: 'admin' },
    };
    const hash = eventHash(prev, fields);
    events.push({ ...fields, id: 100 + i, prevHash: prev, hash });
    prev = hash;
  }
  return events;
}

describe('canonical form (RFC 8785)', () => {
  it('sorts keys at every depth and writes numbers and strings as JCS does', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    // RFC 8785 §3.2.2.3: ECMAScript number serialisation.
    expect(canonicalJson([1e21, 0.000001, -0, 1.5])).toBe('[1e+21,0.000001,0,1.5]');
    expect(canonicalJson({ '\u20ac': 'é', '\r': '\u0001' })).toBe('{"\\r":"\\u0001","€":"é"}');
  });

  it('gives the same form whatever the key order, and a different one when a value changes', () => {
    const a = { seq: 1, at: '2026-11-30T10:00:00.000Z', actor: 'user:a', action: 'x', subjectType: 's', subjectId: '1', projectId: null, requestId: null, data: { p: 1, q: 2 }, before: null, after: null };
    const reordered = { ...a, data: { q: 2, p: 1 } };
    expect(canonicalEvent(reordered)).toBe(canonicalEvent(a));
    expect(canonicalEvent({ ...a, data: { p: 1, q: 3 } })).not.toBe(canonicalEvent(a));
  });

  it('refuses what JSON cannot carry instead of hashing something else', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson({ x: Infinity })).toThrow(/Infinity/);
  });

  it('hashes what a jsonb round trip gives back: undefined dropped, dates as ISO strings', () => {
    expect(jsonValue({ a: undefined, b: new Date('2026-01-01T00:00:00Z') })).toEqual({ b: '2026-01-01T00:00:00.000Z' });
    expect(jsonValue(undefined)).toBeNull();
  });
});

describe('verifyChain', () => {
  it('verifies an untouched chain and counts events from before the chain apart', () => {
    const legacy: ChainedAuditEvent[] = [1, 2].map((id) => ({ id, seq: null, at: '2026-01-01T00:00:00.000Z', actor: 'system', action: 'old', subjectType: 'x', subjectId: '1', projectId: null, requestId: null, data: null, before: null, after: null, prevHash: null, hash: null }));
    const r = verifyChain([...legacy, ...chain(20)]);
    expect(r).toMatchObject({ ok: true, verified: 20, legacy: 2, firstBroken: null });
    expect(r.head?.seq).toBe(20);
  });

  it('names the changed event as the first broken link (hash mismatch)', () => {
    const events = chain(10);
    events[4] = { ...events[4]!, data: { n: 5, nested: { b: [1, 'two', null], a: false } } };
    const r = verifyChain(events);
    expect(r.ok).toBe(false);
    expect(r.verified).toBe(4);
    expect(r.firstBroken).toMatchObject({ kind: 'hash_mismatch', seq: 5, id: 105 });
  });

  it('catches a rewritten hash at the next event (prev_hash mismatch)', () => {
    const events = chain(10);
    const forged = { ...events[6]!, actor: 'user:mallory' };
    events[6] = { ...forged, hash: eventHash(forged.prevHash!, forged as AuditEventFields) };
    const r = verifyChain(events);
    expect(r.firstBroken).toMatchObject({ kind: 'prev_hash_mismatch', seq: 8, id: 108 });
  });

  it('reports a deleted event in the middle as a gap', () => {
    const events = chain(10).filter((e) => e.seq !== 3);
    expect(verifyChain(events).firstBroken).toMatchObject({ kind: 'gap', seq: 4, detail: expect.stringContaining('expected seq 3') });
  });

  it('rejects a first event that does not start from the genesis hash', () => {
    const events = chain(3).slice(1).map((e) => ({ ...e, seq: e.seq! - 1 }));
    expect(verifyChain(events).firstBroken?.kind).toBe('prev_hash_mismatch');
  });
});

describe('signed checkpoints', () => {
  const key = loadSigningKey(generateSigningKeyPem());
  const publicKeys = [{ keyId: key.keyId, publicKeyPem: key.publicKeyPem }];

  it('loads a PEM or base64 DER key, and refuses other key types with what to do', () => {
    expect(key.keyId).toMatch(/^[0-9a-f]{16}$/);
    const der = key.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    expect(loadSigningKey(der).keyId).toBe(key.keyId);
    expect(() => loadSigningKey('not a key')).toThrow(/openssl genpkey -algorithm ed25519/);
  });

  it('accepts a checkpoint the chain still reaches with the same hash', () => {
    const events = chain(10);
    const cp = signCheckpoint(key, { seq: 7, hash: events[6]!.hash! });
    const result = verifyChain(events);
    expect(checkCheckpoints([cp], publicKeys, result)).toEqual([{ checkpoint: cp, ok: true, problem: null }]);
  });

  it('shows a truncated tail: the chain ends before the signed seq', () => {
    const events = chain(10);
    const cp = signCheckpoint(key, { seq: 10, hash: events[9]!.hash! }, new Date('2026-11-30T00:05:00.000Z'));
    const truncated = verifyChain(events.slice(0, 8));
    expect(truncated.ok).toBe(true); // the remaining chain is intact: only the checkpoint shows the loss
    const [check] = checkCheckpoints([cp], publicKeys, truncated);
    expect(check!.problem).toBe('chain ends at seq 8 but checkpoint signed at 2026-11-30T00:05:00.000Z covers seq 10 (the tail was truncated)');
  });

  it('refuses an altered checkpoint, an unknown key and a rewritten chain', () => {
    const events = chain(5);
    const cp = signCheckpoint(key, { seq: 5, hash: events[4]!.hash! });
    const result = verifyChain(events);
    expect(checkCheckpoints([{ ...cp, seq: 4, hash: events[3]!.hash! }], publicKeys, result)[0]!.problem).toMatch(/signature does not verify/);
    const other = loadSigningKey(generateSigningKeyPem());
    expect(checkCheckpoints([cp], [{ keyId: other.keyId, publicKeyPem: other.publicKeyPem }], result)[0]!.problem).toMatch(/not among the public keys/);
    const rewritten = signCheckpoint(key, { seq: 5, hash: 'f'.repeat(64) });
    expect(checkCheckpoints([rewritten], publicKeys, result)[0]!.problem).toMatch(/the chain was rewritten/);
  });
});
