import type { ApiError, ApiToken, CreatedToken, LineageGraph, Me, MetricPoint, ModelDetail, ModelSummary, ProjectQuota, ProjectQuotaLimits, PromoteReport, RunDetail, RunList, RunSummary } from '@refinery/core';

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError | null,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A thin typed client for the REST API (the CLI never talks to Postgres or Temporal). It sends
 * the API token as a Bearer header, or a session cookie while `refinery login` creates a token.
 */
export class RefineryApi {
  constructor(
    readonly baseUrl: string,
    private readonly credentials: { token?: string; cookie?: string } = {},
  ) {}

  private async request<T>(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<T> {
    const auth: Record<string, string> = this.credentials.token
      ? { authorization: `Bearer ${this.credentials.token}` }
      : this.credentials.cookie
        ? { cookie: this.credentials.cookie, origin: new URL(this.baseUrl).origin }
        : {};
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), { method, body: init.body, headers: { ...auth, ...init.headers } });
    } catch (err) {
      throw new ApiRequestError(0, null, `cannot reach the Refinery API at ${this.baseUrl} (${(err as Error).cause ?? (err as Error).message}); is it running? Set --api-url or REFINERY_API_URL`);
    }
    const text = await res.text();
    const body = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const e = (body as ApiError | null)?.error;
      const issues = e?.issues?.map((i) => `\n  - ${i.path}: ${i.message}`).join('') ?? '';
      const hint = res.status === 401 ? '\n  run `refinery login`, or set REFINERY_TOKEN to an API token' : '';
      throw new ApiRequestError(res.status, body, `${e?.message ?? `HTTP ${res.status}`}${issues}${hint}`);
    }
    return body as T;
  }

  /**
   * An artifact's content as a streaming response (the body is not read): a file as stored, a
   * directory as a tar (`format` tar) or its manifest (`format` manifest). Errors throw as usual.
   */
  async artifactContent(id: string, format?: 'raw' | 'tar' | 'manifest'): Promise<Response> {
    const path = `/api/v1/artifacts/${encodeURIComponent(id)}/content${format ? `?format=${format}` : ''}`;
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), { headers: this.authHeaders() });
    } catch (err) {
      throw new ApiRequestError(0, null, `cannot reach the Refinery API at ${this.baseUrl} (${(err as Error).cause ?? (err as Error).message}); is it running? Set --api-url or REFINERY_API_URL`);
    }
    if (!res.ok) {
      const text = await res.text();
      let body: ApiError | null = null;
      try {
        body = text ? (JSON.parse(text) as ApiError) : null;
      } catch {
        body = null;
      }
      const hint = res.status === 401 ? '\n  run `refinery login`, or set REFINERY_TOKEN to an API token' : '';
      throw new ApiRequestError(res.status, body, `${body?.error?.message ?? `HTTP ${res.status}`}${hint}`);
    }
    return res;
  }

  private authHeaders(): Record<string, string> {
    return this.credentials.token
      ? { authorization: `Bearer ${this.credentials.token}` }
      : this.credentials.cookie
        ? { cookie: this.credentials.cookie, origin: new URL(this.baseUrl).origin }
        : {};
  }

  submitRun(specText: string, opts: { idempotencyKey?: string }) {
    const headers: Record<string, string> = { 'content-type': 'application/yaml' };
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    return this.request<RunSummary>('POST', '/api/v1/runs', { body: specText, headers });
  }

  listRuns(q: { project?: string; status?: string; limit?: number; cursor?: string }) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
    return this.request<RunList>('GET', `/api/v1/runs?${params}`);
  }

  getRun(id: string) {
    return this.request<RunDetail>('GET', `/api/v1/runs/${encodeURIComponent(id)}`);
  }

  metrics(id: string, afterStep: number) {
    return this.request<{ points: MetricPoint[] }>('GET', `/api/v1/runs/${encodeURIComponent(id)}/metrics?afterStep=${afterStep}`);
  }

  me() {
    return this.request<Me>('GET', '/api/v1/me');
  }

  listTokens() {
    return this.request<{ tokens: ApiToken[] }>('GET', '/api/v1/tokens');
  }

  createToken(t: { name: string; project: string; role: string; expiresInDays: number }) {
    return this.request<CreatedToken>('POST', '/api/v1/tokens', { body: JSON.stringify(t), headers: { 'content-type': 'application/json' } });
  }

  revokeToken(id: string) {
    return this.request<ApiToken>('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
  }

  /** Email + password sign-in (better-auth); returns the session cookie. */
  async signIn(email: string, password: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(new URL('/api/auth/sign-in/email', this.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: new URL(this.baseUrl).origin },
        body: JSON.stringify({ email, password }),
      });
    } catch (err) {
      throw new ApiRequestError(0, null, `cannot reach the Refinery API at ${this.baseUrl} (${(err as Error).cause ?? (err as Error).message})`);
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { message?: string } | null;
      throw new ApiRequestError(res.status, null, `sign-in as ${email} failed: ${body?.message ?? `HTTP ${res.status}`}`);
    }
    return res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
  }

  cancelRun(id: string) {
    return this.request<RunDetail>('POST', `/api/v1/runs/${encodeURIComponent(id)}/cancel`);
  }

  listModels(project: string) {
    return this.request<{ models: ModelSummary[] }>('GET', `/api/v1/models?project=${encodeURIComponent(project)}`);
  }

  getModel(project: string, name: string) {
    return this.request<ModelDetail>('GET', `/api/v1/models/${encodeURIComponent(name)}?project=${encodeURIComponent(project)}`);
  }

  promoteModel(project: string, name: string, alias: string, version: number) {
    return this.request<{ report: PromoteReport; model: ModelDetail }>('POST', `/api/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}?project=${encodeURIComponent(project)}`, {
      body: JSON.stringify({ version }),
      headers: { 'content-type': 'application/json' },
    });
  }

  rollbackModel(project: string, name: string, alias: string) {
    return this.request<{ report: PromoteReport; model: ModelDetail }>('POST', `/api/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}/rollback?project=${encodeURIComponent(project)}`);
  }

  erasureImpact(body: import('@refinery/core').ErasureImpactRequest) {
    return this.request<import('@refinery/core').ErasureImpact>('POST', '/api/v1/erasure/impact', { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  markErasure(body: import('@refinery/core').ErasureMarkRequest) {
    return this.request<import('@refinery/core').ErasureMarkResult>('POST', '/api/v1/erasure/marks', { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  decideRun(id: string, body: { decision: 'approve' | 'reject'; comment: string; evidenceSha256?: string }) {
    return this.request<{ run: RunDetail }>('POST', `/api/v1/runs/${encodeURIComponent(id)}/approval`, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  projectUsage(project: string, o: { from?: string; to?: string } = {}) {
    const params = new URLSearchParams({ ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) });
    return this.request<import('@refinery/core').ProjectUsage>('GET', `/api/v1/projects/${encodeURIComponent(project)}/usage?${params}`);
  }

  projectQuota(project: string) {
    return this.request<ProjectQuota>('GET', `/api/v1/projects/${encodeURIComponent(project)}/quotas`);
  }

  setProjectQuota(project: string, limits: ProjectQuotaLimits) {
    return this.request<ProjectQuota>('PUT', `/api/v1/projects/${encodeURIComponent(project)}/quotas`, { body: JSON.stringify(limits), headers: { 'content-type': 'application/json' } });
  }

  lineage(node: string, o: { direction?: string; depth?: number } = {}) {
    const params = new URLSearchParams({ node, ...(o.direction ? { direction: o.direction } : {}), ...(o.depth !== undefined ? { depth: String(o.depth) } : {}) });
    return this.request<LineageGraph>('GET', `/api/v1/lineage?${params}`);
  }
}
