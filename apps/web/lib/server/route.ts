import { RateLimiterMemory } from 'rate-limiter-flexible';
import { actorOf, resolvePrincipal, roleIn, trustedOrigins, type Principal } from '@refinery/auth';
import { ACTIONS, can, type Action } from '@refinery/core';
import { randomUUID } from 'node:crypto';
import { audit, getArtifactRow, getRunRow, withAuditRequest, type AuditRequestContext } from '@refinery/db';
import { inRequestSpan } from '@refinery/temporal/tracing';
import { serverContext, type ServerContext } from './context';
import { errorResponse, HttpError } from './http';
import { observeApiRequest } from './metrics';
import { ROUTE_RULES, type RouteKey, type Rule } from './route-rules';

type Params = Record<string, string>;
/** The path parameters a route key names: 'GET /api/v1/runs/{id}' → { id: string }. */
type ParamsOf<K extends string> = K extends `${string}{${infer Name}}${infer Rest}` ? { [N in Name]: string } & ParamsOf<Rest> : {};

interface AnonymousContext<P extends Params> {
  req: Request;
  params: P;
  server: ServerContext;
}

export interface AuthorizedContext<P extends Params> extends AnonymousContext<P> {
  principal: Principal;
  /** Written into audit events and the run's submitter: `user:<id>` or `token:<id>`. */
  actor: string;
  /** The project the rule resolved (run, param, query), or the one `authorize` accepted. */
  project: string | undefined;
  /** For rules whose project is in the body: checks the rule's action there (404 or 403 otherwise). */
  authorize(projectId: string): void;
}

type ContextFor<K extends RouteKey, P extends Params> = (typeof ROUTE_RULES)[K] extends { allow: 'anyone' } ? AnonymousContext<P> : AuthorizedContext<P>;

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Unknown tokens presented per client address and minute before 429 (guessing a 256-bit token is
// hopeless anyway; this keeps a scanner from hammering the database).
const tokenGuesses = new RateLimiterMemory({ points: 30, duration: 60 });

/**
 * Builds a route handler whose access rule is ROUTE_RULES[key]. It resolves the caller (Bearer
 * token or session cookie), rejects cross-site cookie writes, applies the rule, and turns every
 * thrown error into a JSON error response. A handler under a "body" rule that returns without
 * calling `authorize` fails closed.
 */
export function route<K extends RouteKey, P extends Params = ParamsOf<K> & Params>(key: K, handler: (ctx: ContextFor<K, P>) => Promise<Response>) {
  const rule: Rule = ROUTE_RULES[key];
  return async (req: Request, segment?: { params: Promise<P> }): Promise<Response> => {
    const started = performance.now();
    // Every event the request causes carries its id (and, once the rule resolved it, its project).
    const request: AuditRequestContext = { requestId: requestIdOf(req) };
    // A span named by the route key (with tracing on), continuing the caller's `traceparent`.
    const spanAttributes = { 'http.request.method': req.method, 'http.route': key.slice(key.indexOf(' ') + 1), 'refinery.request_id': request.requestId };
    const res = withRequestId(await inRequestSpan(key, req.headers, spanAttributes, () => withAuditRequest(request, () => handle(req, segment, request))), request.requestId);
    // Until the response starts (a streamed body, e.g. a download, is not waited for).
    observeApiRequest(key, res.status, started);
    return res;
  };

  async function handle(req: Request, segment: { params: Promise<P> } | undefined, request: AuditRequestContext): Promise<Response> {
    try {
      if (!key.startsWith(`${req.method} `)) throw new Error(`route ${key} is mounted as ${req.method}`);
      const params = ((await segment?.params) ?? {}) as P;
      const server = await serverContext();
      if ('allow' in rule && rule.allow === 'anyone') return await handler({ req, params, server } as ContextFor<K, P>);
      const principal = await authenticate(server, req);
      if (principal.kind === 'user' && !READS.has(req.method)) checkOrigin(server, req, rule);
      if (rule.sessionOnly && principal.kind === 'token') {
        throw new HttpError(403, 'session_required', 'API tokens cannot do this; sign in to the dashboard (or `refinery login`) as a user');
      }
      let authorized = !('action' in rule && rule.project === 'body');
      const ctx: AuthorizedContext<P> = {
        req,
        params,
        server,
        principal,
        actor: actorOf(principal),
        project: undefined,
        authorize(projectId) {
          if (!('action' in rule)) throw new Error(`route ${key} has no action to authorize`);
          requireAction(principal, projectId, rule.action, { kind: 'project', id: projectId });
          ctx.project = projectId;
          request.projectId = projectId;
          authorized = true;
        },
      };
      if ('allow' in rule && rule.allow === 'instance-admin' && !(principal.kind === 'user' && principal.instanceAdmin)) {
        throw new HttpError(403, 'forbidden', 'only an instance admin may do this');
      }
      if ('action' in rule && rule.project !== 'body') ctx.project = request.projectId = await projectForRule(server, principal, rule, req, params);
      const res = await handler(ctx as ContextFor<K, P>);
      if (!authorized) throw new Error(`route ${key} returned without authorizing its project`);
      return res;
    } catch (err) {
      return errorResponse(err, { route: key, requestId: request.requestId });
    }
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is a sane token (it ends up in the audit log), else a new one. */
function requestIdOf(req: Request): string {
  const given = req.headers.get('x-request-id');
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

function withRequestId(res: Response, requestId: string): Response {
  try {
    res.headers.set('X-Request-Id', requestId);
    return res;
  } catch {
    // Immutable headers (a response passed through from fetch): copy it.
    const copy = new Response(res.body, res);
    copy.headers.set('X-Request-Id', requestId);
    return copy;
  }
}

async function authenticate(server: ServerContext, req: Request): Promise<Principal> {
  const client = req.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || 'local';
  const resolved = await resolvePrincipal(server.auth, server.database.db, req.headers);
  if (resolved.ok) return resolved.principal;
  if (resolved.reason !== 'no_credentials') {
    await audit(server.database.db, { actor: 'anonymous', action: 'auth.token_rejected', subjectType: 'api_token', subjectId: resolved.tokenId ?? 'unknown', data: { reason: resolved.reason, client } });
    const limited = resolved.reason === 'invalid_token' && (await tokenGuesses.consume(client).then(() => false, () => true));
    if (limited) throw new HttpError(429, 'too_many_attempts', 'too many failed authentications from this address; wait a minute');
  }
  throw new HttpError(401, resolved.reason === 'no_credentials' ? 'unauthenticated' : resolved.reason, resolved.message, undefined, { 'WWW-Authenticate': 'Bearer' });
}

/**
 * Cookie-authenticated writes must come from the dashboard's own origin (CSRF); a rule marked
 * crossOrigin 'temporal-ui' also accepts the Temporal Web UI's (REFINERY_TEMPORAL_UI_ORIGIN).
 */
function checkOrigin(server: ServerContext, req: Request, rule: Rule) {
  const origin = req.headers.get('origin');
  const uiOrigins = 'crossOrigin' in rule && rule.crossOrigin === 'temporal-ui' ? temporalUiOrigins(server.config) : [];
  if (!origin || !(trustedOrigins(server.config).includes(origin) || uiOrigins.includes(origin))) {
    throw new HttpError(403, 'cross_site_request', `a signed-in write must come from the dashboard's origin (${server.config.REFINERY_PUBLIC_URL}); got ${origin ?? 'no Origin header'}`);
  }
}

async function projectForRule(server: ServerContext, principal: Principal, rule: Extract<Rule, { action: Action }>, req: Request, params: Params): Promise<string> {
  if (rule.project === 'run') {
    const run = params.id ? await getRunRow(server.database.db, params.id) : undefined;
    // Another project's run answers exactly like a missing one.
    if (!run || roleIn(principal, run.projectId) === null) throw new HttpError(404, 'not_found', `no run with id "${params.id}"`);
    requireAction(principal, run.projectId, rule.action, { kind: 'run', id: run.id });
    return run.projectId;
  }
  if (rule.project === 'artifact') {
    const artifact = params.id ? await getArtifactRow(server.database.db, params.id) : undefined;
    // An artifact of another project's run answers exactly like a missing one.
    if (!artifact || roleIn(principal, artifact.projectId) === null) throw new HttpError(404, 'not_found', `no artifact with id "${params.id}"`);
    requireAction(principal, artifact.projectId, rule.action, { kind: 'artifact', id: artifact.id });
    return artifact.projectId;
  }
  const projectId = rule.project === 'param' ? params.project : new URL(req.url).searchParams.get('project');
  if (!projectId) throw new HttpError(400, 'invalid_query', 'name the project: ?project=<id>');
  requireAction(principal, projectId, rule.action, { kind: 'project', id: projectId });
  return projectId;
}

function requireAction(principal: Principal, projectId: string, action: Action, subject: { kind: string; id: string }) {
  const role = roleIn(principal, projectId);
  if (role === null) throw new HttpError(404, 'not_found', `no ${subject.kind} "${subject.id}"`);
  if (!can(role, action)) {
    const who = principal.kind === 'token' ? 'this API token has' : 'you have';
    throw new HttpError(403, 'forbidden', `${who} the ${role} role in project ${projectId}, which does not allow this (${ACTIONS[action]})`);
  }
}

/** The Temporal Web UI origins from config (comma-separated), for its codec-endpoint calls. */
export function temporalUiOrigins(config: { REFINERY_TEMPORAL_UI_ORIGIN: string }): string[] {
  return config.REFINERY_TEMPORAL_UI_ORIGIN.split(',').map((o) => o.trim()).filter(Boolean);
}
