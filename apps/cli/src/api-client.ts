import type { ApiError, MetricPoint, RunDetail, RunList, RunSummary } from '@refinery/core';

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError | null,
    message: string,
  ) {
    super(message);
  }
}

/** A thin typed client for the REST API (the CLI never talks to Postgres or Temporal). */
export class RefineryApi {
  constructor(readonly baseUrl: string) {}

  private async request<T>(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), { method, body: init.body, headers: init.headers });
    } catch (err) {
      throw new ApiRequestError(0, null, `cannot reach the Refinery API at ${this.baseUrl} (${(err as Error).cause ?? (err as Error).message}); is it running? Set --api-url or REFINERY_API_URL`);
    }
    const text = await res.text();
    const body = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const e = (body as ApiError | null)?.error;
      const issues = e?.issues?.map((i) => `\n  - ${i.path}: ${i.message}`).join('') ?? '';
      throw new ApiRequestError(res.status, body, `${e?.message ?? `HTTP ${res.status}`}${issues}`);
    }
    return body as T;
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

  cancelRun(id: string) {
    return this.request<RunDetail>('POST', `/api/v1/runs/${encodeURIComponent(id)}/cancel`);
  }
}
