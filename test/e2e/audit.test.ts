import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_CHECKPOINT_SCHEDULE, type AuditEventList, type AuditVerifyReport, type CheckpointExport } from '@refinery/core';
import { accountFor, api, sessionOf, temporalClient } from '../support/api';
import { refinery } from '../support/cli';

/**
 * The audit log on the live stack (its chain is shared by every suite, so nothing here tampers
 * with it; audit-chain-db.test.ts does that on a database of its own): events carry the request
 * id and the project; who reads what; checkpoints (taken now and by the daily Temporal Schedule);
 * and the untampered chain verifies through the API and the real CLI.
 */
const admin = sessionOf('admin');
const asAdminCli = () => ['--email', accountFor('admin').email];
const adminEnv = () => ({ REFINERY_PASSWORD: accountFor('admin').password });

describe('audit log', () => {
  it('records the request id and project of an API call, returned as X-Request-Id', async () => {
    const requestId = `audit-test-${randomUUID()}`;
    const res = await api('POST', '/api/v1/uploads?project=demo', { body: '{"text":"audit"}\n', headers: { 'content-type': 'application/octet-stream', 'x-request-id': requestId } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    // A request id that is no sane token is replaced by one of the server's.
    const odd = await api('GET', '/api/v1/me', { headers: { 'x-request-id': 'has spaces\tand tabs' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const page = (await api('GET', `/api/v1/audit/events?action=object.uploaded&project=demo&limit=20`, { as: admin })).body as AuditEventList;
    const event = page.events.find((e) => e.requestId === requestId);
    expect(event).toMatchObject({ action: 'object.uploaded', projectId: 'demo', subjectType: 'object', actor: expect.stringMatching(/^token:/) });
    expect(event!.seq).toBeGreaterThan(0);
    expect(event!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('shows each caller only what it may read: all to an instance admin, its project to reviewers and admins, nothing to others', async () => {
    const all = (await api('GET', '/api/v1/audit/events?limit=200', { as: admin })).body as AuditEventList;
    expect(all.events.length).toBeGreaterThan(0);
    const reviewer = (await api('GET', '/api/v1/audit/events?limit=200', { as: 'reviewer' })).body as AuditEventList;
    expect(reviewer.events.length).toBeGreaterThan(0);
    expect(new Set(reviewer.events.map((e) => e.projectId))).toEqual(new Set(['demo']));
    for (const role of ['viewer', 'ml_engineer'] as const) expect(((await api('GET', '/api/v1/audit/events', { as: role })).body as AuditEventList).events, role).toEqual([]);
    // The whole chain is an instance admin's.
    const jsonl = await api('GET', '/api/v1/audit/events?format=jsonl', { as: 'reviewer' });
    expect(jsonl.status).toBe(403);
    expect(jsonl.body.error.message).toMatch(/only an instance admin/);
  });

  it('filters by actor, action prefix and time, and pages with a cursor, newest first', async () => {
    const first = (await api('GET', '/api/v1/audit/events?limit=3', { as: admin })).body as AuditEventList;
    expect(first.events).toHaveLength(3);
    const ids = first.events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const second = (await api('GET', `/api/v1/audit/events?limit=3&cursor=${first.nextCursor}`, { as: admin })).body as AuditEventList;
    expect(Math.max(...second.events.map((e) => e.id))).toBeLessThan(Math.min(...ids));

    const byPrefix = (await api('GET', '/api/v1/audit/events?action=token.&limit=50', { as: admin })).body as AuditEventList;
    expect(byPrefix.events.length).toBeGreaterThan(0);
    expect(byPrefix.events.every((e) => e.action.startsWith('token.'))).toBe(true);
    const actor = byPrefix.events[0]!.actor;
    const byActor = (await api('GET', `/api/v1/audit/events?actor=${encodeURIComponent(actor)}&limit=50`, { as: admin })).body as AuditEventList;
    expect(byActor.events.every((e) => e.actor === actor)).toBe(true);
    const future = (await api('GET', `/api/v1/audit/events?from=${new Date(Date.now() + 3_600_000).toISOString()}`, { as: admin })).body as AuditEventList;
    expect(future.events).toEqual([]);
    const bad = await api('GET', '/api/v1/audit/events?from=yesterday', { as: admin });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/from must be an ISO 8601 time/);
  });

  it('signs checkpoints now and on the daily schedule (a Temporal Schedule the pipeline worker created)', async () => {
    const taken = await api('POST', '/api/v1/audit/checkpoints', { as: admin });
    expect(taken.status).toBe(201);
    expect(taken.body).toMatchObject({ seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/), keyId: expect.stringMatching(/^[0-9a-f]{16}$/) });

    const client = await temporalClient();
    const schedule = client.schedule.getHandle(AUDIT_CHECKPOINT_SCHEDULE.scheduleId);
    const described = await schedule.describe();
    expect(described.spec.calendars?.length ?? 0).toBeGreaterThan(0); // the cron expression, as Temporal stores it
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: AUDIT_CHECKPOINT_SCHEDULE.workflowType });
    const before = ((await api('GET', '/api/v1/audit/checkpoints', { as: admin })).body as CheckpointExport).checkpoints.length;
    await schedule.trigger();
    const deadline = Date.now() + 60_000;
    let after = before;
    while (Date.now() < deadline && after === before) {
      await new Promise((r) => setTimeout(r, 500));
      after = ((await api('GET', '/api/v1/audit/checkpoints', { as: admin })).body as CheckpointExport).checkpoints.length;
    }
    expect(after).toBe(before + 1);
  });

  it('verifies the untampered chain through the API and the real CLI (export, checkpoint file, verify)', async () => {
    const server = (await api('GET', '/api/v1/audit/verify', { as: admin })).body as AuditVerifyReport;
    expect(server).toMatchObject({ ok: true, firstBroken: null, checkpoints: { failed: [] } });
    expect(server.verified).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), 'audit-e2e-'));
    const checkpoints = join(dir, 'checkpoints.json');
    const publicKey = join(dir, 'public.pem');
    const taken = await refinery(['audit', 'checkpoint', '-o', checkpoints, '--public-key-out', publicKey, ...asAdminCli()], undefined, adminEnv());
    expect(taken.stderr).toBe('');
    expect(taken.stdout).toMatch(/signed checkpoint at seq \d+/);
    const saved = JSON.parse(readFileSync(checkpoints, 'utf8')) as CheckpointExport;
    expect(readFileSync(publicKey, 'utf8')).toBe(saved.publicKeys[0]!.publicKeyPem);

    const verified = await refinery(['audit', 'verify', '--checkpoints', checkpoints, '--public-key', publicKey, ...asAdminCli()], undefined, adminEnv());
    expect(verified.stderr).toBe('');
    expect(verified.stdout).toMatch(/verified \d+ event\(s\) \(seq 1\.\.\d+\), recomputing every hash locally/);
    expect(verified.stdout).toMatch(/\d+ signed checkpoint\(s\) verified with the public key\(s\) you gave/);
    expect(verified.stdout).toMatch(/OK\n?$/);
    expect(verified.code).toBe(0);

    const chain = join(dir, 'chain.jsonl');
    const exported = await refinery(['audit', 'export', '-o', chain, ...asAdminCli()], undefined, adminEnv());
    expect(exported.code).toBe(0);
    const offline = await refinery(['audit', 'verify', '--file', chain, '--checkpoints', checkpoints, '--public-key', publicKey]);
    expect(offline.stdout).toMatch(/OK\n?$/);
    expect(offline.code).toBe(0);

    // An API token is never an instance admin: the CLI says what to do instead.
    const refused = await refinery(['audit', 'verify']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/only an instance admin[\s\S]*--email/);
  });
});
