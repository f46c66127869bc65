import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPem, loadSigningKey, verifyChain, type ChainedAuditEvent } from '@refinery/core';
import { audit, connect, exportAuditChain, listAuditCheckpoints, takeAuditCheckpoint, type Database } from '@refinery/db';
import { runMigrations } from '@refinery/db/migrate';
import { stackEnv } from '../support/api';
import { refinery } from '../support/cli';

/**
 * The audit chain against real Postgres, on a database of its own (created in the stack's
 * Postgres, migrated like any other): tampering there cannot break the shared stack's chain.
 * 50 concurrent writers leave one chain; the append-only triggers refuse UPDATE, DELETE and
 * TRUNCATE; a superuser with the triggers off can change rows, and `refinery audit verify --file`
 * (the real CLI, offline) names the changed event as the first broken link, and a signed
 * checkpoint exposes a truncated tail.
 */
const dbName = `audit_chain_${process.pid}_${Date.now()}`;
const urlOf = (name: string) => {
  const u = new URL(stackEnv().DATABASE_URL!);
  u.pathname = `/${name}`;
  return u.toString();
};
let database: Database;
const dir = mkdtempSync(join(tmpdir(), 'audit-chain-'));

async function asSuperuser<T>(sql: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: urlOf(dbName) });
  await c.connect();
  try {
    return await sql(c);
  } finally {
    await c.end();
  }
}

async function exported(): Promise<ChainedAuditEvent[]> {
  const events: ChainedAuditEvent[] = [];
  for await (const e of exportAuditChain(database.db, 7)) events.push(e); // small pages: the paging is exercised
  return events;
}

function writeExport(name: string, events: ChainedAuditEvent[]): string {
  const file = join(dir, name);
  writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return file;
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: stackEnv().DATABASE_URL! });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  // 50 connections: each concurrent writer below gets its own.
  database = connect(urlOf(dbName), { max: 50 });
  await runMigrations(database);
}, 120_000);

afterAll(async () => {
  await database?.close();
  const admin = new pg.Client({ connectionString: stackEnv().DATABASE_URL! });
  await admin.connect();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
});

describe('audit chain on its own database', () => {
  it('50 concurrent writers leave seq 1..50, each linked to the one before: no fork', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => audit(database.db, { actor: `user:writer${i}`, action: 'test.concurrent', subjectType: 'test', subjectId: String(i), projectId: 'p', data: { i } })),
    );
    const events = await exported();
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    expect(new Set(events.map((e) => e.subjectId)).size).toBe(50);
    expect(verifyChain(events)).toMatchObject({ ok: true, verified: 50, legacy: 0 });
  });

  it('an event written in a transaction that rolls back leaves no hole; one inside a committed transaction joins the chain', async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await audit(tx as unknown as Database['db'], { actor: 'user:a', action: 'test.rolled_back', subjectType: 'test', subjectId: 'x' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await database.db.transaction(async (tx) => {
      await audit(tx as unknown as Database['db'], { actor: 'user:a', action: 'test.nested', subjectType: 'test', subjectId: 'y', before: { role: 'viewer' }, after: { role: 'admin' } });
    });
    const events = await exported();
    expect(events.map((e) => e.action)).not.toContain('test.rolled_back');
    expect(events.at(-1)).toMatchObject({ seq: 51, action: 'test.nested', before: { role: 'viewer' }, after: { role: 'admin' } });
    expect(verifyChain(events).ok).toBe(true);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of the log and its checkpoints, whoever asks', async () => {
    await takeAuditCheckpoint(database.db, loadSigningKey(generateSigningKeyPem()));
    await asSuperuser(async (c) => {
      for (const statement of [
        `update audit_events set actor = 'user:mallory' where seq = 1`,
        `delete from audit_events where seq = 51`,
        `truncate audit_events`,
        `update audit_checkpoints set seq = 1`,
        `delete from audit_checkpoints`,
        `truncate audit_checkpoints`,
      ]) {
        await expect(c.query(statement), statement).rejects.toThrow(/is append-only: (UPDATE|DELETE|TRUNCATE) refused/);
      }
    });
    expect(verifyChain(await exported())).toMatchObject({ ok: true, verified: 51 });
  });

  it('verify --file: the untouched chain verifies; a row changed with triggers off is named as the first broken link; a truncated tail is shown by the checkpoint', async () => {
    const key = loadSigningKey(generateSigningKeyPem());
    for (let i = 0; i < 9; i++) await audit(database.db, { actor: 'user:b', action: 'test.more', subjectType: 'test', subjectId: `m${i}`, data: { i, nested: { z: [1, 2], a: 'x' } } });
    const checkpoint = (await takeAuditCheckpoint(database.db, key))!;
    expect(checkpoint.seq).toBe(60);
    const checkpointsFile = join(dir, 'checkpoints.json');
    writeFileSync(checkpointsFile, JSON.stringify({ publicKeys: [{ keyId: key.keyId, publicKeyPem: key.publicKeyPem }], checkpoints: (await listAuditCheckpoints(database.db)).filter((c) => c.keyId === key.keyId) }));
    const publicKeyFile = join(dir, 'public.pem');
    writeFileSync(publicKeyFile, key.publicKeyPem);

    // An event from before chaining (seq null) is counted apart, not failed.
    await asSuperuser((c) => c.query(`insert into audit_events (actor, action, subject_type, subject_id) values ('system', 'test.legacy', 'test', 'old')`));
    const clean = await refinery(['audit', 'verify', '--file', writeExport('clean.jsonl', await exported()), '--checkpoints', checkpointsFile, '--public-key', publicKeyFile]);
    expect(clean.stdout).toContain('verified 60 event(s) (seq 1..60)');
    expect(clean.stdout).toContain('1 event(s) before the chain began');
    expect(clean.stdout).toContain('1 signed checkpoint(s) verified with the public key(s) you gave');
    expect(clean.stdout).toMatch(/OK\n?$/);
    expect(clean.code).toBe(0);

    // A superuser turns the triggers off for the session and rewrites one event's data.
    const target = (await exported()).find((e) => e.seq === 37)!;
    await asSuperuser(async (c) => {
      await c.query(`set session_replication_role = replica`);
      await c.query(`update audit_events set data = jsonb_set(data, '{i}', '999') where seq = 37`);
    });
    const tampered = await refinery(['--json', 'audit', 'verify', '--file', writeExport('tampered.jsonl', await exported()), '--checkpoints', checkpointsFile, '--public-key', publicKeyFile]);
    expect(tampered.code).toBe(1);
    const report = JSON.parse(tampered.stdout);
    expect(report).toMatchObject({ ok: false, verified: 36, firstBroken: { kind: 'hash_mismatch', seq: 37, id: target.id } });
    const text = await refinery(['audit', 'verify', '--file', join(dir, 'tampered.jsonl')]);
    expect(text.stdout).toContain(`FIRST BROKEN LINK: seq 37, event id ${target.id}: hash mismatch`);
    expect(text.code).toBe(1);

    // The original data back: the chain verifies again.
    await asSuperuser(async (c) => {
      await c.query(`set session_replication_role = replica`);
      await c.query(`update audit_events set data = $1 where seq = 37`, [JSON.stringify(target.data)]);
    });
    expect((await refinery(['audit', 'verify', '--file', writeExport('restored.jsonl', await exported())])).code).toBe(0);

    // Delete the last events: what is left is a well-formed chain; only the checkpoint shows the loss.
    await asSuperuser(async (c) => {
      await c.query(`set session_replication_role = replica`);
      await c.query(`delete from audit_events where seq > 55`);
    });
    const truncated = await refinery(['audit', 'verify', '--file', writeExport('truncated.jsonl', await exported()), '--checkpoints', checkpointsFile, '--public-key', publicKeyFile]);
    expect(truncated.stdout).toContain('verified 55 event(s)');
    expect(truncated.stdout).toContain(`CHECKPOINT FAILED: chain ends at seq 55 but checkpoint signed at ${checkpoint.at} covers seq 60 (the tail was truncated)`);
    expect(truncated.code).toBe(1);
    // Without the checkpoint, the truncation is invisible: why checkpoints are exported and kept elsewhere.
    expect((await refinery(['audit', 'verify', '--file', join(dir, 'truncated.jsonl')])).code).toBe(0);
  });
});
