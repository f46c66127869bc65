import type { Action } from '@refinery/core';

/**
 * Every API route's access rule, keyed "METHOD /api/v1/path" (path parameters in braces). A
 * route handler is built with `route(key, handler)`, so a route without a rule does not compile,
 * and the authorization matrix test walks app/api/v1 to check that every handler has one.
 *
 * - anyone: no credentials needed.
 * - signed-in: any user or token; the handler filters what it returns to the caller's projects.
 * - instance-admin: users with the instance admin flag.
 * - action: the caller's role in the project must allow the action. The project comes from the
 *   run named by {id} ("run"), the run of the artifact named by {id} ("artifact"), the {project}
 *   path parameter ("param"), ?project= ("query"), or the request body ("body": the handler
 *   calls `authorize(project)` before acting).
 *   A caller with no role in the project gets 404, as if it did not exist.
 * - sessionOnly: API tokens may not call it (tokens cannot mint tokens or accounts).
 * - crossOrigin 'temporal-ui': a signed-in write may also come from the Temporal Web UI's origin
 *   (REFINERY_TEMPORAL_UI_ORIGIN), which calls the payload codec endpoints from the browser.
 */
export type Rule =
  | { allow: 'anyone'; sessionOnly?: never }
  | { allow: 'signed-in'; sessionOnly?: true }
  | { allow: 'instance-admin'; sessionOnly?: true; crossOrigin?: 'temporal-ui' }
  | { action: Action; project: 'run' | 'artifact' | 'param' | 'query' | 'body'; sessionOnly?: true };

export const ROUTE_RULES = {
  'GET /api/v1/health': { allow: 'anyone' },
  'GET /api/v1/openapi.json': { allow: 'anyone' },
  'GET /api/v1/me': { allow: 'signed-in' },
  'GET /api/v1/projects': { allow: 'signed-in' },
  'POST /api/v1/projects': { allow: 'instance-admin', sessionOnly: true },
  'GET /api/v1/projects/{project}/members': { action: 'members.read', project: 'param' },
  'POST /api/v1/projects/{project}/members': { action: 'members.manage', project: 'param', sessionOnly: true },
  'PATCH /api/v1/projects/{project}/members/{userId}': { action: 'members.manage', project: 'param', sessionOnly: true },
  'DELETE /api/v1/projects/{project}/members/{userId}': { action: 'members.manage', project: 'param', sessionOnly: true },
  'GET /api/v1/runs': { allow: 'signed-in' },
  'POST /api/v1/runs': { action: 'run.submit', project: 'body' },
  'GET /api/v1/runs/{id}': { action: 'run.read', project: 'run' },
  'POST /api/v1/runs/{id}/cancel': { action: 'run.cancel', project: 'run' },
  'POST /api/v1/runs/{id}/approval': { action: 'run.approve', project: 'run' },
  'GET /api/v1/runs/{id}/metrics': { action: 'run.read', project: 'run' },
  'GET /api/v1/artifacts/{id}/content': { action: 'run.read', project: 'artifact' },
  // The project is the start node's (?node=): the handler resolves it and authorizes it; nodes of
  // projects the caller may not read are left out, and a start node there answers 404.
  'GET /api/v1/lineage': { action: 'run.read', project: 'body' },
  'GET /api/v1/models': { action: 'run.read', project: 'query' },
  'GET /api/v1/models/{name}': { action: 'run.read', project: 'query' },
  'GET /api/v1/models/{name}/versions/{version}/card': { action: 'run.read', project: 'query' },
  'POST /api/v1/models/{name}/versions/{version}/generate': { action: 'run.read', project: 'query' },
  'POST /api/v1/models/{name}/aliases/{alias}': { action: 'model.promote', project: 'query' },
  'POST /api/v1/models/{name}/aliases/{alias}/rollback': { action: 'model.rollback', project: 'query' },
  'POST /api/v1/specs/validate': { allow: 'signed-in' },
  'POST /api/v1/uploads': { action: 'data.upload', project: 'query' },
  'GET /api/v1/tokens': { allow: 'signed-in' },
  'POST /api/v1/tokens': { action: 'tokens.create', project: 'body', sessionOnly: true },
  'DELETE /api/v1/tokens/{id}': { allow: 'signed-in' },
  'POST /api/v1/users': { allow: 'instance-admin', sessionOnly: true },
  // Filtered to the projects whose role allows audit.read (all for an instance admin); ?format=jsonl (the whole chain) is instance-admin only.
  'GET /api/v1/audit/events': { allow: 'signed-in' },
  'GET /api/v1/audit/checkpoints': { allow: 'instance-admin' },
  'POST /api/v1/audit/checkpoints': { allow: 'instance-admin' },
  'GET /api/v1/audit/verify': { allow: 'instance-admin' },
  // Payloads do not name their project, so only instance admins may decode (or encode) them.
  'POST /api/v1/temporal/codec/decode': { allow: 'instance-admin', sessionOnly: true, crossOrigin: 'temporal-ui' },
  'POST /api/v1/temporal/codec/encode': { allow: 'instance-admin', sessionOnly: true, crossOrigin: 'temporal-ui' },
  // Erasure: the impact query reveals whether a record was in the data, so it needs data.erase too.
  'POST /api/v1/erasure/impact': { action: 'data.erase', project: 'body' },
  'POST /api/v1/erasure/marks': { action: 'data.erase', project: 'body' },
  // OpenLineage: a project's events (?project=, optionally one of its runs); redelivery touches every project's events.
  'GET /api/v1/openlineage/events': { action: 'run.read', project: 'query' },
  'POST /api/v1/openlineage/redeliver': { allow: 'instance-admin' },
  // Cost accounting: a project's usage is run data; prices are no secret, and only instance admins set them.
  'GET /api/v1/projects/{project}/usage': { action: 'run.read', project: 'param' },
  'GET /api/v1/usage/prices': { allow: 'signed-in' },
  // Fair queuing: members see their project's limits and queue; only instance admins set limits (a team must not lift its own).
  'GET /api/v1/projects/{project}/quotas': { action: 'run.read', project: 'param' },
  'PUT /api/v1/projects/{project}/quotas': { allow: 'instance-admin', sessionOnly: true },
  'PUT /api/v1/usage/prices/{queue}': { allow: 'instance-admin', sessionOnly: true },
} as const satisfies Record<string, Rule>;

export type RouteKey = keyof typeof ROUTE_RULES;
