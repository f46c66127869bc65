import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@refinery/core';
import { metric, METRICS } from '@refinery/core/metrics';
import { workerMetricsFromConfig, type WorkerMetrics } from '../src/metrics-server';
import { freeLoopbackPort } from '@refinery/core/net';

/**
 * A worker's /metrics server without a Temporal runtime: the access rules and the registry's text
 * (the SDK's part is the integration test's: test/e2e/metrics.test.ts).
 */
let running: WorkerMetrics | null = null;
afterEach(async () => {
  await running?.close();
  running = null;
});

describe('worker metrics server', () => {
  it('is off without REFINERY_METRICS_PORT', async () => {
    expect(await workerMetricsFromConfig({ REFINERY_METRICS_PORT: undefined, REFINERY_METRICS_HOST: undefined, REFINERY_METRICS_TOKEN: 'x'.repeat(32) })).toBeNull();
  });

  it('refuses to bind beyond loopback without a token', async () => {
    await expect(workerMetricsFromConfig({ REFINERY_METRICS_PORT: 9464, REFINERY_METRICS_HOST: '0.0.0.0', REFINERY_METRICS_TOKEN: undefined })).rejects.toThrow(ConfigError);
  });

  it('serves the registry to a scrape with the token, 401 without it, 404 elsewhere', async () => {
    const token = 'a-scrape-token-of-32-characters!';
    const port = await freeLoopbackPort();
    running = await workerMetricsFromConfig({ REFINERY_METRICS_PORT: port, REFINERY_METRICS_HOST: '127.0.0.1', REFINERY_METRICS_TOKEN: token });
    const url = await running!.serve();
    expect(url).toBe(`http://127.0.0.1:${port}/metrics`);
    metric(METRICS.redactionRecords).inc(7);
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token.slice(0, -1)}` } })).status).toBe(401);
    expect((await fetch(url.replace('/metrics', '/'), { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const text = await ok.text();
    expect(text).toMatch(/^refinery_redaction_records_total 7$/m);
    // No SDK runtime in this process: the scrape says so instead of failing.
    expect(text).toMatch(/^# the Temporal SDK's exporter at 127\.0\.0\.1:\d+ did not answer/m);
  });

  it('without a token binds loopback and needs none', async () => {
    const port = await freeLoopbackPort();
    running = await workerMetricsFromConfig({ REFINERY_METRICS_PORT: port, REFINERY_METRICS_HOST: undefined, REFINERY_METRICS_TOKEN: undefined });
    const url = await running!.serve();
    expect(url).toBe(`http://127.0.0.1:${port}/metrics`);
    expect((await fetch(url)).status).toBe(200);
  });
});
