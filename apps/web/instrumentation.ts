/**
 * Next.js calls register() once when a server process starts, before any request. With
 * OTEL_EXPORTER_OTLP_ENDPOINT set it starts tracing (docs/operations.md, Traces): every API
 * route's span (lib/server/route.ts) and the Temporal client's, exported over OTLP/HTTP.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  // The server's console (Next.js's request errors included) as JSON lines (docs/security.md, Logs).
  const { createLogger, routeConsoleTo } = await import('@refinery/core/log');
  routeConsoleTo(createLogger('web'));
  const { startTracing } = await import('@refinery/temporal/tracing');
  startTracing('refinery-web');
}
