import type { ApiError, AuditCheckpoint, AuditEventList, AuditVerifyReport } from '@refinery/core';
import { ApiRequestError } from './api';

/** The audit API from the dashboard (the session cookie goes along; writes carry the page's origin). */
async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { cache: 'no-store', ...init });
  } catch (err) {
    throw new ApiRequestError(0, 'unreachable', `the Refinery API is unreachable (${(err as Error).message})`);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const error = (body as Partial<ApiError> | null)?.error;
    throw new ApiRequestError(res.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${res.status} ${res.statusText}`);
  }
  return body as T;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  project?: string;
  from?: string;
  to?: string;
}

export function listAuditEvents(filter: AuditFilter, cursor?: string, limit = 50): Promise<AuditEventList> {
  const q = new URLSearchParams({ limit: String(limit) });
  for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
  if (cursor) q.set('cursor', cursor);
  return call(`/api/v1/audit/events?${q}`);
}

export const verifyAuditChain = () => call<AuditVerifyReport>('/api/v1/audit/verify');
export const takeAuditCheckpoint = () => call<AuditCheckpoint>('/api/v1/audit/checkpoints', { method: 'POST' });
