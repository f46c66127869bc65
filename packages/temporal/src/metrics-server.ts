import { createServer, type Server } from 'node:http';
import type { TelemetryOptions } from '@temporalio/worker';
import { ConfigError, type Config } from '@refinery/core';
import { metricsRegistry, metricsTokenAccepted } from '@refinery/core/metrics';
import { freeLoopbackPort } from '@refinery/core/net';

export const WORKER_METRICS_CONFIG_KEYS = ['REFINERY_METRICS_PORT', 'REFINERY_METRICS_HOST', 'REFINERY_METRICS_TOKEN'] as const;
type WorkerMetricsConfig = Pick<Config, (typeof WORKER_METRICS_CONFIG_KEYS)[number]>;

export interface WorkerMetrics {
  /** For Runtime.install: the Temporal SDK's Prometheus exporter, on a loopback port of its own. */
  telemetryOptions: TelemetryOptions;
  /** Starts answering GET /metrics; resolves with its URL. */
  serve(): Promise<string>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * A worker's Prometheus endpoint, or null when REFINERY_METRICS_PORT is unset. One scrape of
 * `GET /metrics` returns this process's registry (stage durations, queue wait, redaction, trainer)
 * followed by the Temporal SDK's own worker metrics, which the SDK's Rust core serves on a
 * loopback port nobody else needs to know. With REFINERY_METRICS_TOKEN set a scrape must send it
 * as a Bearer token and the server binds every interface (override with REFINERY_METRICS_HOST);
 * without it the server binds loopback only, and refuses to bind anything else.
 */
export async function workerMetricsFromConfig(config: WorkerMetricsConfig): Promise<WorkerMetrics | null> {
  if (!config.REFINERY_METRICS_PORT) return null;
  const token = config.REFINERY_METRICS_TOKEN;
  const host = config.REFINERY_METRICS_HOST ?? (token ? '0.0.0.0' : '127.0.0.1');
  if (!token && !LOOPBACK.has(host)) {
    throw new ConfigError([`REFINERY_METRICS_HOST: a metrics server on ${host} needs REFINERY_METRICS_TOKEN (scrapes must authenticate off the host); set one, or leave the host at 127.0.0.1`]);
  }
  const sdkAddress = `127.0.0.1:${await freeLoopbackPort()}`;
  let server: Server | undefined;
  return {
    telemetryOptions: {
      metrics: { prometheus: { bindAddress: sdkAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } },
    },
    serve: () =>
      new Promise((resolve, reject) => {
        server = createServer((req, res) => {
          const path = new URL(req.url ?? '/', 'http://metrics.invalid').pathname;
          if (path !== '/metrics') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
          if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('only GET /metrics\n');
          if (token && !metricsTokenAccepted(token, req.headers.authorization)) {
            return void res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }).end('send Authorization: Bearer <REFINERY_METRICS_TOKEN>\n');
          }
          scrape(sdkAddress).then(
            (text) => res.writeHead(200, { 'content-type': metricsRegistry().contentType }).end(text),
            (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`could not collect metrics: ${err.message}\n`),
          );
        });
        server.once('error', reject);
        server.listen(config.REFINERY_METRICS_PORT, host, () => resolve(`http://${host.includes(':') ? `[${host}]` : host}:${config.REFINERY_METRICS_PORT}/metrics`));
      }),
    close: () => new Promise((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
}

/** Our registry's text, then the SDK exporter's (its names all start with temporal_, so none repeats). */
async function scrape(sdkAddress: string): Promise<string> {
  const own = await metricsRegistry().metrics();
  const sdk = await fetch(`http://${sdkAddress}/metrics`, { signal: AbortSignal.timeout(2000) }).then(
    async (r) => (r.ok ? await r.text() : `# the Temporal SDK's exporter answered HTTP ${r.status}\n`),
    (err: Error) => `# the Temporal SDK's exporter at ${sdkAddress} did not answer: ${err.message}\n`,
  );
  return `${own.endsWith('\n') ? own : `${own}\n`}${sdk}`;
}
