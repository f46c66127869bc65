import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, PROJECT_ROLES, type ProjectRole } from '@refinery/core';
import { connect, type Database } from '@refinery/db';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { ROUTE_RULES, type RouteKey, type Rule } from '../../apps/web/lib/server/route-rules';
import { api, INGEST_ONLY_SPEC, sessionOf, specWith, stackEnv, submitYaml, tokenFor, waitForRun } from '../support/api';

/**
 * The authorization matrix, generated from the route files: every API route × every kind of
 * caller (no credentials, an expired, a revoked and another project's token, and each role as
 * an API token and as a signed-in session) → the status its rule in ROUTE_RULES implies.
 *
 * Each route has one request below that is harmless when allowed and whose allowed answer is
 * distinguishable from a refusal (e.g. a body that fails validation only after authorization).
 * A route without a rule, or without a request here, fails the test.
 */
const API_DIR = join(REPO_ROOT, 'apps/web/app/api/v1');

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? routeFiles(path) : name === 'route.ts' ? [path] : [];
  });
}

/** "METHOD /api/v1/path" for every exported handler, from the file tree ([id] → {id}). */
function discoveredRoutes(): { key: string; file: string; source: string }[] {
  return routeFiles(API_DIR).flatMap((file) => {
    const path = `/api/v1/${relative(API_DIR, file).replace(/\/?route\.ts$/, '')}`.replace(/\/$/, '').replace(/\[(\w+)\]/g, '{$1}');
    const source = readFileSync(file, 'utf8');
    const methods = [...source.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]!);
    return methods.map((method) => ({ key: `${method} ${path}`, file: relative(REPO_ROOT, file), source }));
  });
}

type Caller = { name: string; headers: Record<string, string>; kind: 'none' | 'dead-token' | 'other-project' | 'token' | 'session'; role?: ProjectRole };
type Outcome = { status: number; body: { error?: { code: string; message: string } } | null };
interface Probe {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  /** What an allowed caller gets (never one of the refusals below). */
  allowed: (o: Outcome) => boolean;
}

const code = (o: Outcome) => o.body?.error?.code;
const noModel = (o: Outcome) => o.status === 404 && /has no model "matrix"/.test(o.body?.error?.message ?? '');
let runId = '';
/** The run's raw dataset (a single file): its download probe asks for a directory format, refused only after authorization. */
let artifactId = '';

const PROBES: Record<RouteKey, () => Probe> = {
  'GET /api/v1/health': () => ({ method: 'GET', path: '/api/v1/health', allowed: (o) => o.status === 200 || o.status === 503 }),
  'GET /api/v1/openapi.json': () => ({ method: 'GET', path: '/api/v1/openapi.json', allowed: (o) => o.status === 200 }),
  'GET /api/v1/me': () => ({ method: 'GET', path: '/api/v1/me', allowed: (o) => o.status === 200 }),
  'GET /api/v1/projects': () => ({ method: 'GET', path: '/api/v1/projects', allowed: (o) => o.status === 200 }),
  'POST /api/v1/projects': () => ({ method: 'POST', path: '/api/v1/projects', body: '{}', allowed: (o) => o.status === 400 && code(o) === 'invalid_body' }),
  'GET /api/v1/projects/{project}/members': () => ({ method: 'GET', path: '/api/v1/projects/demo/members', allowed: (o) => o.status === 200 }),
  'POST /api/v1/projects/{project}/members': () => ({
    method: 'POST',
    path: '/api/v1/projects/demo/members',
    body: JSON.stringify({ email: 'nobody@nowhere.example', role: 'viewer' }),
    allowed: (o) => o.status === 404 && code(o) === 'user_not_found',
  }),
  'PATCH /api/v1/projects/{project}/members/{userId}': () => ({
    method: 'PATCH',
    path: '/api/v1/projects/demo/members/nobody',
    body: JSON.stringify({ role: 'viewer' }),
    allowed: (o) => o.status === 404 && /no member/.test(o.body?.error?.message ?? ''),
  }),
  'DELETE /api/v1/projects/{project}/members/{userId}': () => ({ method: 'DELETE', path: '/api/v1/projects/demo/members/nobody', allowed: (o) => o.status === 404 && /no member/.test(o.body?.error?.message ?? '') }),
  'GET /api/v1/runs': () => ({ method: 'GET', path: '/api/v1/runs?project=demo', allowed: (o) => o.status === 200 }),
  'POST /api/v1/runs': () => ({
    method: 'POST',
    path: '/api/v1/runs',
    body: specWith({ dataset: '{ uri: file://examples/datasets/no-such-file.jsonl, format: chat }' }),
    contentType: 'application/yaml',
    // The source check runs after authorization, so it answers only callers allowed to submit.
    allowed: (o) => o.status === 400 && /no-such-file/.test(JSON.stringify(o.body)),
  }),
  'GET /api/v1/runs/{id}': () => ({ method: 'GET', path: `/api/v1/runs/${runId}`, allowed: (o) => o.status === 200 }),
  'POST /api/v1/runs/{id}/cancel': () => ({ method: 'POST', path: `/api/v1/runs/${runId}/cancel`, allowed: (o) => o.status === 409 && code(o) === 'already_finished' }),
  'POST /api/v1/runs/{id}/approval': () => ({ method: 'POST', path: `/api/v1/runs/${runId}/approval`, body: '{"decision":"approve","comment":"matrix"}', contentType: 'application/json', allowed: (o) => o.status === 409 && code(o) === 'not_awaiting' }),
  'GET /api/v1/runs/{id}/metrics': () => ({ method: 'GET', path: `/api/v1/runs/${runId}/metrics`, allowed: (o) => o.status === 200 }),
  'GET /api/v1/artifacts/{id}/content': () => ({
    method: 'GET',
    path: `/api/v1/artifacts/${artifactId}/content?format=manifest`,
    // A file has no manifest: a 400 that only callers allowed to read the artifact get (the
    // bytes themselves are not JSON; artifacts-download.test.ts checks them and who gets them).
    allowed: (o) => o.status === 400 && code(o) === 'invalid_query',
  }),
  // The run's graph: another project's caller gets 404 for the start node, like a missing one.
  'GET /api/v1/lineage': () => ({ method: 'GET', path: `/api/v1/lineage?node=${runId}&depth=1`, allowed: (o) => o.status === 200 && Array.isArray((o.body as { nodes?: unknown }).nodes) }),
  'GET /api/v1/models': () => ({ method: 'GET', path: '/api/v1/models?project=demo', allowed: (o) => o.status === 200 }),
  // No model is named "matrix": an allowed caller reaches the registry and is told so.
  'GET /api/v1/models/{name}': () => ({ method: 'GET', path: '/api/v1/models/matrix?project=demo', allowed: noModel }),
  'GET /api/v1/models/{name}/versions/{version}/card': () => ({ method: 'GET', path: '/api/v1/models/matrix/versions/1/card?project=demo', allowed: noModel }),
  'POST /api/v1/models/{name}/versions/{version}/generate': () => ({ method: 'POST', path: '/api/v1/models/matrix/versions/1/generate?project=demo', body: '{"messages":[{"role":"user","content":"hi"}]}', contentType: 'application/json', allowed: noModel }),
  'POST /api/v1/models/{name}/aliases/{alias}': () => ({ method: 'POST', path: '/api/v1/models/matrix/aliases/production?project=demo', body: '{"version":1}', contentType: 'application/json', allowed: noModel }),
  'POST /api/v1/models/{name}/aliases/{alias}/rollback': () => ({ method: 'POST', path: '/api/v1/models/matrix/aliases/production/rollback?project=demo', allowed: noModel }),
  'POST /api/v1/specs/validate': () => ({ method: 'POST', path: '/api/v1/specs/validate', body: INGEST_ONLY_SPEC, contentType: 'application/yaml', allowed: (o) => o.status === 200 }),
  'POST /api/v1/uploads': () => ({ method: 'POST', path: '/api/v1/uploads?project=demo', body: '{"text":"matrix"}\n', contentType: 'application/octet-stream', allowed: (o) => o.status === 201 }),
  'GET /api/v1/tokens': () => ({ method: 'GET', path: '/api/v1/tokens', allowed: (o) => o.status === 200 }),
  'POST /api/v1/tokens': () => ({
    method: 'POST',
    path: '/api/v1/tokens',
    body: JSON.stringify({ name: 'matrix', project: 'demo', role: 'viewer', expiresInDays: 1 }),
    allowed: (o) => o.status === 201,
  }),
  'DELETE /api/v1/tokens/{id}': () => ({ method: 'DELETE', path: '/api/v1/tokens/tok_doesnotexist', allowed: (o) => o.status === 404 && /no API token/.test(o.body?.error?.message ?? '') }),
  'POST /api/v1/users': () => ({ method: 'POST', path: '/api/v1/users', body: '{}', allowed: (o) => o.status === 400 && code(o) === 'invalid_body' }),
  // Not codec-server JSON: refused only after authorization (temporal-codec.test.ts decodes real payloads).
  'POST /api/v1/temporal/codec/decode': () => ({ method: 'POST', path: '/api/v1/temporal/codec/decode', body: '{}', allowed: (o) => o.status === 400 && code(o) === 'invalid_body' }),
  'POST /api/v1/temporal/codec/encode': () => ({ method: 'POST', path: '/api/v1/temporal/codec/encode', body: '{}', allowed: (o) => o.status === 400 && code(o) === 'invalid_body' }),
  // Signed-in: every caller gets a list (empty for roles without audit.read; audit.test.ts checks who sees what).
  'GET /api/v1/audit/events': () => ({ method: 'GET', path: '/api/v1/audit/events?limit=1', allowed: (o) => o.status === 200 && Array.isArray((o.body as { events?: unknown } | null)?.events) }),
  'GET /api/v1/audit/checkpoints': () => ({ method: 'GET', path: '/api/v1/audit/checkpoints', allowed: (o) => o.status === 200 }),
  // Checkpoints are append-only and harmless: an allowed caller signs one.
  'POST /api/v1/audit/checkpoints': () => ({ method: 'POST', path: '/api/v1/audit/checkpoints', allowed: (o) => o.status === 201 }),
  'GET /api/v1/audit/verify': () => ({ method: 'GET', path: '/api/v1/audit/verify', allowed: (o) => o.status === 200 }),
  'POST /api/v1/erasure/impact': () => ({ method: 'POST', path: '/api/v1/erasure/impact', body: JSON.stringify({ project: 'demo', reference: { type: 'sha256', value: '0'.repeat(64) } }), allowed: (o) => o.status === 200 && (o.body as { matched?: boolean } | null)?.matched === false }),
  'POST /api/v1/erasure/marks': () => ({ method: 'POST', path: '/api/v1/erasure/marks', body: JSON.stringify({ project: 'demo', reference: { type: 'sha256', value: '0'.repeat(64) }, reason: 'matrix' }), allowed: (o) => o.status === 404 && code(o) === 'no_match' }),
  // One line of JSONL (limit=1): the run's first event, its pipeline START.
  'GET /api/v1/openlineage/events': () => ({ method: 'GET', path: `/api/v1/openlineage/events?project=demo&run=${runId}&limit=1`, allowed: (o) => o.status === 200 && (o.body as { eventType?: string } | null)?.eventType === 'START' }),
  'POST /api/v1/openlineage/redeliver': () => ({ method: 'POST', path: '/api/v1/openlineage/redeliver', body: '{"dueOnly":"soon"}', allowed: (o) => o.status === 400 && code(o) === 'invalid_body' }),
  'GET /api/v1/projects/{project}/usage': () => ({ method: 'GET', path: '/api/v1/projects/demo/usage', allowed: (o) => o.status === 200 && (o.body as { runs?: { runId: string }[] } | null)?.runs?.some((r) => r.runId === runId) === true }),
  'GET /api/v1/projects/{project}/quotas': () => ({ method: 'GET', path: '/api/v1/projects/demo/quotas', allowed: (o) => o.status === 200 && (o.body as { project?: string } | null)?.project === 'demo' }),
  // An invalid body: an allowed caller gets 400, so the probe changes no limit.
  'PUT /api/v1/projects/{project}/quotas': () => ({ method: 'PUT', path: '/api/v1/projects/demo/quotas', body: '{"maxConcurrentRuns":-1,"gpuSlots":{}}', allowed: (o) => o.status === 400 && code(o) === 'invalid_body' }),
  'GET /api/v1/usage/prices': () => ({ method: 'GET', path: '/api/v1/usage/prices', allowed: (o) => o.status === 200 && (o.body as { prices?: { queue: string }[] } | null)?.prices?.some((p) => p.queue === '*') === true }),
  // A price out of range: refused only after authorization, so no price changes.
  'PUT /api/v1/usage/prices/{queue}': () => ({ method: 'PUT', path: '/api/v1/usage/prices/refinery-gpu-matrix', body: '{"gpuHourPrice":-1,"cpuHourPrice":0}', allowed: (o) => o.status === 400 && code(o) === 'invalid_body' }),
};

/** What the rule says this caller gets: 'allowed', or the refusal's status and code. */
function expected(rule: Rule, caller: Caller): 'allowed' | { status: number; code: string } {
  if ('allow' in rule && rule.allow === 'anyone') return 'allowed';
  if (caller.kind === 'none') return { status: 401, code: 'unauthenticated' };
  if (caller.kind === 'dead-token') return { status: 401, code: caller.name === 'expired token' ? 'expired_token' : 'revoked_token' };
  const isToken = caller.kind === 'token' || caller.kind === 'other-project';
  if (rule.sessionOnly && isToken) return { status: 403, code: 'session_required' };
  if ('allow' in rule && rule.allow === 'instance-admin') return caller.role === 'admin' && caller.kind === 'session' ? 'allowed' : { status: 403, code: 'forbidden' };
  if ('allow' in rule) return 'allowed';
  if (caller.kind === 'other-project') return { status: 404, code: 'not_found' };
  return can(caller.role, rule.action) ? 'allowed' : { status: 403, code: 'forbidden' };
}

describe('authorization matrix', () => {
  let database: Database;
  const callers: Caller[] = [];

  beforeAll(async () => {
    database = connect(stackEnv().DATABASE_URL!, { max: 2 });
    const run = await submitYaml(specWith({ name: 'matrix-subject' }));
    runId = run.body.id;
    const done = await waitForRun(runId);
    artifactId = done.artifacts.find((a) => a.kind === 'raw_dataset')!.id;

    // Another project, with its admin token: it must see nothing of project demo.
    await api('POST', '/api/v1/projects', { as: sessionOf('admin'), body: JSON.stringify({ id: 'matrix-other' }), headers: { 'content-type': 'application/json' } });
    const other = await api('POST', '/api/v1/tokens', { as: sessionOf('admin'), body: JSON.stringify({ name: 'other', project: 'matrix-other', role: 'admin', expiresInDays: 1 }), headers: { 'content-type': 'application/json' } });
    const expired = await api('POST', '/api/v1/tokens', { as: sessionOf('ml_engineer'), body: JSON.stringify({ name: 'to expire', project: 'demo', role: 'ml_engineer', expiresInDays: 1 }), headers: { 'content-type': 'application/json' } });
    await database.pool.query(`update api_tokens set expires_at = now() - interval '1 second' where id = $1`, [expired.body.id]);
    const revoked = await api('POST', '/api/v1/tokens', { as: sessionOf('ml_engineer'), body: JSON.stringify({ name: 'to revoke', project: 'demo', role: 'ml_engineer', expiresInDays: 1 }), headers: { 'content-type': 'application/json' } });
    expect((await api('DELETE', `/api/v1/tokens/${revoked.body.id}`, { as: sessionOf('ml_engineer') })).status).toBe(200);

    callers.push(
      { name: 'no credentials', headers: {}, kind: 'none' },
      { name: 'expired token', headers: { authorization: `Bearer ${expired.body.token}` }, kind: 'dead-token' },
      { name: 'revoked token', headers: { authorization: `Bearer ${revoked.body.token}` }, kind: 'dead-token' },
      { name: "another project's admin token", headers: { authorization: `Bearer ${other.body.token}` }, kind: 'other-project', role: 'admin' },
      ...PROJECT_ROLES.flatMap((role): Caller[] => [
        { name: `${role} token`, headers: { authorization: `Bearer ${tokenFor(role)}` }, kind: 'token', role },
        { name: `${role} session`, headers: sessionOf(role), kind: 'session', role },
      ]),
    );
  }, 180_000);

  afterAll(async () => {
    await database?.close();
  });

  it('has a rule and a probe for every route handler, and a handler for every rule', () => {
    const found = discoveredRoutes();
    const keys = found.map((r) => r.key).sort();
    expect(keys).toEqual(Object.keys(ROUTE_RULES).sort());
    expect(Object.keys(PROBES).sort()).toEqual(keys);
    // Each handler is built by route() with its own key, so its rule is the one applied.
    for (const r of found) expect(r.source, r.file).toContain(`route('${r.key}'`);
  });

  it('documents every route in the OpenAPI document with its access rule', async () => {
    const doc = (await api('GET', '/api/v1/openapi.json', { as: null })).body as { paths: Record<string, Record<string, { description?: string; security?: unknown[] }>> };
    for (const key of Object.keys(ROUTE_RULES)) {
      const [method, path] = key.split(' ') as [string, string];
      const op = doc.paths[path]?.[method.toLowerCase()];
      expect(op, key).toBeDefined();
      expect(op!.description, key).toMatch(/\*\*Access:\*\*/);
    }
  });

  it('answers every route × caller as its rule says', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const key of Object.keys(ROUTE_RULES) as RouteKey[]) {
      for (const caller of callers) {
        const probe = PROBES[key]();
        const res = await api(probe.method, probe.path, {
          as: caller.headers,
          body: probe.body,
          headers: probe.body ? { 'content-type': probe.contentType ?? 'application/json' } : {},
        });
        const outcome: Outcome = { status: res.status, body: res.body };
        const want = expected(ROUTE_RULES[key], caller);
        const ok = want === 'allowed' ? probe.allowed(outcome) : outcome.status === want.status && code(outcome) === want.code;
        checked++;
        if (!ok) failures.push(`${key} as ${caller.name}: expected ${want === 'allowed' ? 'allowed' : `${want.status} ${want.code}`}, got ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(Object.keys(ROUTE_RULES).length * callers.length);
  }, 300_000);
});
