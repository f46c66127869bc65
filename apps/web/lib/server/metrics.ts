import { loadConfig, RUN_STATUSES } from '@refinery/core';
import { metric, METRICS, metricsRegistry, metricsTokenAccepted, secondsSince } from '@refinery/core/metrics';
import { countRunsByStatus } from '@refinery/db';
import { serverContext } from './context';

/** One API request's latency, by its route key (never its path: ids stay out of labels) and status. */
export function observeApiRequest(routeKey: string, status: number, startedMs: number): void {
  metric(METRICS.apiLatency).observe({ route: routeKey, status: String(status) }, secondsSince(startedMs));
}

/** Runs by status, counted when scraped; every known status is present, 0 when none. */
function registerRunsGauge(): void {
  metric(METRICS.runs, {
    async collect() {
      this.reset();
      // Postgres down: no run counts this scrape, but the other metrics (API latency, process) still come.
      const counts = await serverContext()
        .then((ctx) => countRunsByStatus(ctx.database.db))
        .catch((err: Error) => void console.warn(`[metrics] could not count runs by status: ${err.message}`));
      if (!counts) return;
      for (const status of new Set([...RUN_STATUSES, ...counts.keys()])) this.set({ status }, counts.get(status) ?? 0);
    },
  });
}

const text = (status: number, body: string, headers: Record<string, string> = {}) => new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers } });

/**
 * GET /metrics: this web process's registry in Prometheus text format. Off (404) unless
 * REFINERY_METRICS_TOKEN is set; then a scrape must send it as `Authorization: Bearer <token>`.
 * Outside /api/v1 and its route rules: the caller is a scraper holding an operator secret, not a
 * user or API token with a role in a project (docs/security.md, Metrics).
 */
export async function metricsResponse(req: Request): Promise<Response> {
  const token = loadConfig(['REFINERY_METRICS_TOKEN']).REFINERY_METRICS_TOKEN;
  if (!token) return text(404, 'metrics are disabled on this server: set REFINERY_METRICS_TOKEN to serve /metrics (docs/operations.md, Metrics)');
  if (!metricsTokenAccepted(token, req.headers.get('authorization'))) {
    return text(401, 'send Authorization: Bearer <REFINERY_METRICS_TOKEN>', { 'www-authenticate': 'Bearer' });
  }
  registerRunsGauge();
  const registry = metricsRegistry();
  try {
    return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } });
  } catch (err) {
    return text(500, `could not collect metrics: ${(err as Error).message}`);
  }
}
