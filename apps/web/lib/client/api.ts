import type { ApiError, ApiToken, CreatedToken, Health, LineageGraph, Me, Member, MetricPoint, ModelDetail, ModelSummary, ProjectRole, RunDetail, RunList, RunSummary, SpecIssue } from '@refinery/core';

export interface MetricsResponse {
  points: MetricPoint[];
}

/** A failed API call, carrying the server's error code and field issues when it sent them. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: SpecIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** fetch + JSON, turning network failures and error bodies into ApiRequestError. */
async function request<T>(path: string, init?: RequestInit, alsoOk: number[] = []): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { cache: 'no-store', ...init });
  } catch (err) {
    throw new ApiRequestError(0, 'unreachable', `the Refinery API is unreachable (${(err as Error).message})`);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok && !alsoOk.includes(res.status)) {
    const error = (body as Partial<ApiError> | null)?.error;
    throw new ApiRequestError(res.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${res.status} ${res.statusText}`, error?.issues);
  }
  return body as T;
}

export interface RunListFilter {
  project?: string;
  status?: string;
}

export function listRuns(filter: RunListFilter, cursor?: string, limit = 50): Promise<RunList> {
  const q = new URLSearchParams({ limit: String(limit) });
  if (filter.project) q.set('project', filter.project);
  if (filter.status) q.set('status', filter.status);
  if (cursor) q.set('cursor', cursor);
  return request(`/api/v1/runs?${q}`);
}

export const getRun = (id: string) => request<RunDetail>(`/api/v1/runs/${encodeURIComponent(id)}`);

export const listModels = (project: string) => request<{ models: ModelSummary[] }>(`/api/v1/models?project=${encodeURIComponent(project)}`);
export const getModel = (project: string, name: string) => request<ModelDetail>(`/api/v1/models/${encodeURIComponent(name)}?project=${encodeURIComponent(project)}`);
export const rollbackModel = (project: string, name: string, alias: string) =>
  request<{ model: ModelDetail }>(`/api/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}/rollback?project=${encodeURIComponent(project)}`, { method: 'POST' });
export const decideRun = (id: string, body: { decision: 'approve' | 'reject'; comment: string; evidenceSha256: string }) =>
  request<{ run: RunDetail }>(`/api/v1/runs/${encodeURIComponent(id)}/approval`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

export const getLineage = (q: { node: string; direction: string; depth: number }) =>
  request<LineageGraph>(`/api/v1/lineage?${new URLSearchParams({ node: q.node, direction: q.direction, depth: String(q.depth) })}`);

export const cancelRun = (id: string) => request<RunDetail>(`/api/v1/runs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });

export function submitRunSpec(yamlText: string, idempotencyKey: string): Promise<RunSummary> {
  return request('/api/v1/runs', {
    method: 'POST',
    headers: { 'Content-Type': 'application/yaml', 'Idempotency-Key': idempotencyKey },
    body: yamlText,
  });
}

export interface SpecValidation {
  valid: boolean;
  issues: SpecIssue[];
}

export function validateRunSpec(yamlText: string, signal?: AbortSignal): Promise<SpecValidation> {
  return request('/api/v1/specs/validate', { method: 'POST', headers: { 'Content-Type': 'application/yaml' }, body: yamlText, signal });
}

/** Health answers 503 with the same body when degraded: a result to show, not a failure. */
export const getHealth = () => request<Health>('/api/v1/health', undefined, [503]);

/** Training progress points (train loss per step, eval losses) recorded for a run. */
export const getRunMetrics = (id: string) => request<MetricsResponse>(`/api/v1/runs/${encodeURIComponent(id)}/metrics`);

// ── Identity ───────────────────────────────────────────────────────────────────────────────

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const projectPath = (project: string) => `/api/v1/projects/${encodeURIComponent(project)}`;

/** The signed-in caller and what they may do per project; 401 when the session is missing or over. */
export const getMe = () => request<Me>('/api/v1/me');

/** The project's limits and the runs waiting under them, in the order they will go ahead. */
export function getProjectQuota(project: string): Promise<import('@refinery/core').ProjectQuota> {
  return request(`${projectPath(project)}/quotas`);
}

/** The project's usage and cost per run over attempts started in [from, to) (ISO instants; either may be empty). */
export function getProjectUsage(project: string, window: { from?: string; to?: string }): Promise<import('@refinery/core').ProjectUsage> {
  const params = new URLSearchParams(Object.entries(window).filter(([, v]) => v) as [string, string][]);
  return request(`${projectPath(project)}/usage?${params}`);
}

export const listUsagePrices = () => request<{ prices: import('@refinery/core').UsagePrice[] }>('/api/v1/usage/prices').then((r) => r.prices);

export const listMembers = (project: string) => request<{ members: Member[] }>(`${projectPath(project)}/members`).then((r) => r.members);

export const addMember = (project: string, email: string, role: ProjectRole) => request<Member>(`${projectPath(project)}/members`, json('POST', { email, role }));

export const changeMemberRole = (project: string, userId: string, role: ProjectRole) =>
  request<Member>(`${projectPath(project)}/members/${encodeURIComponent(userId)}`, json('PATCH', { role }));

/** 204 No Content: `request` reads the empty body as null. */
export const removeMember = (project: string, userId: string) =>
  request<null>(`${projectPath(project)}/members/${encodeURIComponent(userId)}`, { method: 'DELETE' }).then(() => undefined);

export const listTokens = () => request<{ tokens: ApiToken[] }>('/api/v1/tokens').then((r) => r.tokens);

export interface NewToken {
  name: string;
  project: string;
  role: ProjectRole;
  expiresInDays: number;
}

/** The answer carries the secret; the server keeps only its hash, so this is the one chance to show it. */
export const createToken = (t: NewToken) => request<CreatedToken>('/api/v1/tokens', json('POST', t));

export const revokeToken = (id: string) => request<ApiToken>(`/api/v1/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });

export const erasureImpact = (body: import('@refinery/core').ErasureImpactRequest) =>
  request<import('@refinery/core').ErasureImpact>('/api/v1/erasure/impact', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
export const markErasure = (body: import('@refinery/core').ErasureMarkRequest) =>
  request<import('@refinery/core').ErasureMarkResult>('/api/v1/erasure/marks', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
