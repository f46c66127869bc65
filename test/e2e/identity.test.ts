import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '@refinery/db';
import { signIn } from '../../infra/src/accounts';
import { accountFor, api, asNewClient, INGEST_ONLY_SPEC, sessionOf, specWith, stackEnv, submitYaml, temporalClient, waitForRun, webUrl } from '../support/api';
import { RUN_MESSAGES, type RunProgress } from '@refinery/core';

/** Accounts, tokens and project isolation against the real stack (better-auth, Postgres, Temporal). */
const jsonBody = (v: unknown) => ({ body: JSON.stringify(v), headers: { 'content-type': 'application/json' } });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let database: Database;
beforeAll(() => {
  database = connect(stackEnv().DATABASE_URL!, { max: 2 });
});
afterAll(async () => {
  await database?.close();
});

describe('API tokens', () => {
  it('are shown once and stored only as a sha256 hash', async () => {
    const created = await api('POST', '/api/v1/tokens', { as: sessionOf('reviewer'), ...jsonBody({ name: 'hash check', project: 'demo', role: 'viewer', expiresInDays: 3 }) });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    expect(token).toMatch(/^rfy_[A-Za-z0-9_-]{43}$/);
    const { rows } = await database.pool.query('select * from api_tokens where id = $1', [created.body.id]);
    expect(rows[0].token_sha256).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows[0])).not.toContain(token.slice(8));
    // Listing never shows the secret again.
    const list = await api('GET', '/api/v1/tokens', { as: sessionOf('reviewer') });
    expect(JSON.stringify(list.body)).not.toContain(token.slice(8));
    expect(list.body.tokens.find((t: { id: string }) => t.id === created.body.id)).toMatchObject({ prefix: token.slice(0, 8), role: 'viewer', lastUsedAt: null });
    // Using it records when.
    expect((await api('GET', '/api/v1/me', { as: bearer(token) })).body).toMatchObject({ kind: 'token', token: { role: 'viewer', project: 'demo' } });
    const after = await api('GET', '/api/v1/tokens', { as: sessionOf('reviewer') });
    expect(after.body.tokens.find((t: { id: string }) => t.id === created.body.id).lastUsedAt).not.toBeNull();
  });

  it('refuse a role beyond the creator\'s own, and stop working when the creator loses the role', async () => {
    const tooHigh = await api('POST', '/api/v1/tokens', { as: sessionOf('ml_engineer'), ...jsonBody({ name: 'x', project: 'demo', role: 'admin' }) });
    expect(tooHigh.status).toBe(403);
    expect(tooHigh.body.error).toMatchObject({ code: 'role_too_high' });
    // reviewer and ml_engineer each may do things the other may not.
    expect((await api('POST', '/api/v1/tokens', { as: sessionOf('ml_engineer'), ...jsonBody({ name: 'x', project: 'demo', role: 'reviewer' }) })).status).toBe(403);

    const bob = await newUser('bob-demoted');
    await api('POST', '/api/v1/projects/demo/members', { as: sessionOf('admin'), ...jsonBody({ email: bob.email, role: 'ml_engineer' }) });
    const bobSession = { cookie: await signIn(webUrl(), bob.email, bob.password, asNewClient()), origin: webUrl() };
    const token = (await api('POST', '/api/v1/tokens', { as: bobSession, ...jsonBody({ name: 'bob', project: 'demo', role: 'ml_engineer' }) })).body.token;
    expect((await api('GET', '/api/v1/runs', { as: bearer(token) })).status).toBe(200);
    await api('PATCH', `/api/v1/projects/demo/members/${bob.id}`, { as: sessionOf('admin'), ...jsonBody({ role: 'viewer' }) });
    const demoted = await api('GET', '/api/v1/runs', { as: bearer(token) });
    expect(demoted.status).toBe(401);
    expect(demoted.body.error.message).toMatch(/no longer holds the ml_engineer role in project demo/);
  });

  it('answer 401 with a clear message when unknown, expired or revoked; failures are audited without the secret', async () => {
    const unknown = `rfy_${'A'.repeat(43)}`;
    const res = await api('GET', '/api/v1/runs', { as: bearer(unknown) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body.error.message).toMatch(/not known; create a new one/);
    const malformed = await api('GET', '/api/v1/runs', { as: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(malformed.body.error.message).toMatch(/must be "Bearer rfy_/);

    const created = await api('POST', '/api/v1/tokens', { as: sessionOf('viewer'), ...jsonBody({ name: 'short-lived', project: 'demo', role: 'viewer', expiresInDays: 1 }) });
    await database.pool.query(`update api_tokens set expires_at = now() - interval '1 minute' where id = $1`, [created.body.id]);
    const expired = await api('GET', '/api/v1/runs', { as: bearer(created.body.token) });
    expect(expired.status).toBe(401);
    expect(expired.body.error).toMatchObject({ code: 'expired_token', message: expect.stringMatching(/"short-lived" \(rfy_.{4}…\) expired on/) });

    const { rows } = await database.pool.query(`select * from audit_events where action = 'auth.token_rejected' order by id desc limit 5`);
    expect(rows.map((r) => r.data.reason)).toContain('expired_token');
    expect(JSON.stringify(rows)).not.toContain(created.body.token.slice(8));
    expect(JSON.stringify(rows)).not.toContain('A'.repeat(43));
  });
});

describe('project isolation', () => {
  it('a member of another project cannot list, read, cancel, download from or submit to project demo', async () => {
    const demoRun = (await submitYaml(specWith({ name: 'isolation-subject' }))).body.id as string;
    await waitForRun(demoRun);
    const upload = await api('POST', '/api/v1/uploads?project=demo', { body: '{"text":"demo only"}\n' });
    expect(upload.status).toBe(201);

    const carol = await newUser('carol-other');
    expect((await api('POST', '/api/v1/projects', { as: sessionOf('admin'), ...jsonBody({ id: 'isolated' }) })).status).toBe(201);
    await api('POST', '/api/v1/projects/isolated/members', { as: sessionOf('admin'), ...jsonBody({ email: carol.email, role: 'ml_engineer' }) });
    const carolSession = { cookie: await signIn(webUrl(), carol.email, carol.password, asNewClient()), origin: webUrl() };
    const carolToken = (await api('POST', '/api/v1/tokens', { as: carolSession, ...jsonBody({ name: 'carol', project: 'isolated', role: 'ml_engineer' }) })).body.token;

    for (const as of [carolSession, bearer(carolToken)]) {
      const list = await api('GET', '/api/v1/runs?limit=200', { as });
      expect(list.status).toBe(200);
      expect(list.body.runs.filter((r: { project: string }) => r.project === 'demo')).toEqual([]);
      expect((await api('GET', '/api/v1/runs?project=demo', { as })).body.runs).toEqual([]);
      const missing = await api('GET', '/api/v1/runs/run_doesnotexist', { as });
      const other = await api('GET', `/api/v1/runs/${demoRun}`, { as });
      // Exactly as if it did not exist: same status, same shape of message.
      expect(other.status).toBe(404);
      expect(other.body.error.message.replace(demoRun, 'ID')).toBe(missing.body.error.message.replace('run_doesnotexist', 'ID'));
      expect((await api('GET', `/api/v1/runs/${demoRun}/metrics`, { as })).status).toBe(404);
      expect((await api('POST', `/api/v1/runs/${demoRun}/cancel`, { as })).status).toBe(404);
      expect((await api('POST', '/api/v1/uploads?project=demo', { as, body: 'x' })).status).toBe(404);
      expect((await api('GET', '/api/v1/projects/demo/members', { as })).status).toBe(404);
      expect((await api('POST', '/api/v1/runs', { as, body: INGEST_ONLY_SPEC, headers: { 'content-type': 'application/yaml' } })).status).toBe(404);
      expect((await api('GET', '/api/v1/projects', { as })).body.projects.map((p: { id: string }) => p.id)).toEqual(['isolated']);
    }

    // Knowing an object's hash is not enough to train on it from another project.
    const stolen = specWith({ project: 'isolated', dataset: `{ uri: "${upload.body.uri}", format: chat }` });
    const refused = await api('POST', '/api/v1/runs', { as: bearer(carolToken), body: stolen, headers: { 'content-type': 'application/yaml' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues).toContainEqual({ path: 'dataset.uri', message: expect.stringMatching(/is not an upload of project isolated/) });
  });
});

describe('the audit actor and the submitter', () => {
  it('records who submitted (user or token) on the run and in the audit log; the workflow gets the person (a token acts for its creator)', async () => {
    const viaToken = await submitYaml(specWith({ name: 'actor-token' }));
    const me = await api('GET', '/api/v1/me');
    const tokenActor = `token:${me.body.token.id}`;
    expect(viaToken.body.submittedBy).toBe(tokenActor);

    const viaSession = await api('POST', '/api/v1/runs', { as: sessionOf('ml_engineer'), body: specWith({ name: 'actor-session' }), headers: { 'content-type': 'application/yaml' } });
    expect(viaSession.status).toBe(201);
    const engineer = await api('GET', '/api/v1/me', { as: sessionOf('ml_engineer') });
    expect(viaSession.body.submittedBy).toBe(`user:${engineer.body.user.id}`);

    for (const [run, actor] of [
      [viaToken.body.id, tokenActor],
      [viaSession.body.id, `user:${engineer.body.user.id}`],
    ] as const) {
      const { rows } = await database.pool.query(`select actor from audit_events where subject_id = $1 and action = 'run.created'`, [run]);
      expect(rows).toEqual([{ actor }]);
      await waitForRun(run);
      // Separation of duties compares people: the token's run was submitted by the engineer too.
      const progress = await (await temporalClient()).workflow.getHandle(run).query<RunProgress>(RUN_MESSAGES.progressQuery);
      expect(progress.submittedBy).toBe(`user:${engineer.body.user.id}`);
    }
    const { rows: anonymous } = await database.pool.query(`select count(*)::int as n from audit_events where actor = 'api'`);
    expect(anonymous[0].n).toBe(0);
  });
});

describe('sessions', () => {
  it('refuse cross-site cookie writes (CSRF) but not the same write from the dashboard origin', async () => {
    const body = { body: specWith({ name: 'csrf' }), headers: { 'content-type': 'application/yaml' } };
    const cookie = sessionOf('ml_engineer').cookie;
    const evil = await api('POST', '/api/v1/runs', { as: { cookie, origin: 'https://evil.example' }, ...body });
    expect(evil.status).toBe(403);
    expect(evil.body.error.code).toBe('cross_site_request');
    expect((await api('POST', '/api/v1/runs', { as: { cookie }, ...body })).status).toBe(403);
    expect((await api('POST', '/api/v1/runs', { as: sessionOf('ml_engineer'), ...body })).status).toBe(201);
  });

  it('give users no way to change what grants them access (profile updates are disabled)', async () => {
    const res = await fetch(`${webUrl()}/api/auth/update-user`, {
      method: 'POST',
      headers: { ...sessionOf('viewer'), 'content-type': 'application/json' },
      body: JSON.stringify({ ssoGroups: '["refinery-reviewers"]', name: 'Mallory' }),
    });
    expect(res.ok).toBe(false);
    const me = (await api('GET', '/api/v1/me', { as: sessionOf('viewer') })).body;
    expect(me.user.name).toBe('Vic Viewer');
    const { rows } = await database.pool.query('select sso_groups from users where id = $1', [me.user.id]);
    expect(rows).toEqual([{ sso_groups: null }]);
  });

  it('rate-limit password sign-in per client and audit each failure without the password', async () => {
    const { email } = accountFor('viewer');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${webUrl()}/api/auth/sign-in/email`, {
        method: 'POST',
        // A client address of its own, so the limit it reaches is not the other tests'.
        headers: { 'content-type': 'application/json', origin: webUrl(), 'x-forwarded-for': '203.0.113.77' },
        body: JSON.stringify({ email, password: 'not-the-password-42' }),
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Another address is unaffected.
    expect((await signIn(webUrl(), email, accountFor('viewer').password, asNewClient())).length).toBeGreaterThan(10);
    const { rows } = await database.pool.query(`select * from audit_events where action = 'auth.sign_in_failed' and subject_id = $1`, [email]);
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(JSON.stringify(rows)).not.toContain('not-the-password-42');
  });
});

describe('members', () => {
  it('are added, changed and removed by a project admin; the last admin stays', async () => {
    const dave = await newUser('dave-member');
    const admin = sessionOf('admin');
    const added = await api('POST', '/api/v1/projects/demo/members', { as: admin, ...jsonBody({ email: dave.email, role: 'viewer' }) });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ email: dave.email, role: 'viewer', source: 'manual' });
    expect((await api('PATCH', `/api/v1/projects/demo/members/${dave.id}`, { as: admin, ...jsonBody({ role: 'reviewer' }) })).body.role).toBe('reviewer');
    expect((await api('PATCH', `/api/v1/projects/demo/members/${dave.id}`, { as: admin, ...jsonBody({ role: 'owner' }) })).status).toBe(400);
    expect((await api('DELETE', `/api/v1/projects/demo/members/${dave.id}`, { as: admin })).status).toBe(204);
    const members = (await api('GET', '/api/v1/projects/demo/members', { as: 'viewer' })).body.members as { email: string }[];
    expect(members.map((m) => m.email)).not.toContain(dave.email);

    // The project "solo" has one admin, who may not demote or remove themselves.
    await api('POST', '/api/v1/projects', { as: admin, ...jsonBody({ id: 'solo' }) });
    const adminId = (await api('GET', '/api/v1/me', { as: admin })).body.user.id;
    const last = await api('DELETE', `/api/v1/projects/solo/members/${adminId}`, { as: admin });
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe('last_admin');
  });
});

let userCounter = 0;
async function newUser(prefix: string) {
  const email = `${prefix}-${Date.now()}-${userCounter++}@example.com`;
  const password = `pw-${createHash('sha256').update(email).digest('hex').slice(0, 16)}`;
  const res = await api('POST', '/api/v1/users', { as: sessionOf('admin'), ...jsonBody({ email, name: prefix, password }) });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, email, password };
}


