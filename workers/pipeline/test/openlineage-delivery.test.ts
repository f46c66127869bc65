import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@refinery/core';
import { postOpenLineageEvent, retryAfterMs } from '../src/openlineage/delivery';

/** A loopback endpoint answering with the given statuses in turn (the last one repeats). */
async function endpoint(statuses: number[]) {
  const seen: { auth?: string; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen.push({ auth: req.headers.authorization, body });
      res.writeHead(statuses[Math.min(seen.length - 1, statuses.length - 1)]!).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/lineage`, seen };
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const event = { eventType: 'START', run: { runId: '00000000-0000-5000-8000-000000000000' } };

describe('OpenLineage delivery', () => {
  it('POSTs the event as JSON with the API key, and retries a transient failure', async () => {
    const e = await endpoint([503, 201]);
    expect(await postOpenLineageEvent({ url: e.url, apiKey: 'k1' }, event, 3)).toEqual({ ok: true });
    expect(e.seen).toHaveLength(2);
    expect(e.seen[1]).toEqual({ auth: 'Bearer k1', body: JSON.stringify(event) });
  });

  it('does not retry what retrying cannot fix (400), and says what the endpoint answered', async () => {
    const e = await endpoint([400]);
    expect(await postOpenLineageEvent({ url: e.url }, event, 3)).toEqual({ ok: false, error: `HTTP 400 from ${e.url}` });
    expect(e.seen).toHaveLength(1);
    expect(e.seen[0]!.auth).toBeUndefined();
  });

  it('gives up after the tries, quickly, when nothing listens', async () => {
    const e = await endpoint([201]);
    await new Promise((r) => servers.pop()!.close(r));
    const started = Date.now();
    expect(await postOpenLineageEvent({ url: e.url, apiKey: 'k2' }, event, 3)).toEqual({ ok: false, error: `${e.url}: ECONNREFUSED` });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('never records credentials a URL carries (the configuration refuses them too)', async () => {
    const e = await endpoint([201]);
    const outcome = await postOpenLineageEvent({ url: e.url.replace('http://', 'http://user:hunter2@') }, event, 1);
    expect(outcome.ok).toBe(false);
    expect(JSON.stringify(outcome)).not.toContain('hunter2');
    expect(() => loadConfig(['REFINERY_OPENLINEAGE_URL'], { REFINERY_OPENLINEAGE_URL: 'http://user:hunter2@marquez:5000/api/v1/lineage' })).toThrow(/must not carry credentials .*got "http:\/\/user:\*\*\*@marquez/);
    expect(() => loadConfig(['REFINERY_OPENLINEAGE_URL'], { REFINERY_OPENLINEAGE_URL: 'file:///etc/passwd' })).toThrow(/must be an http\(s\) URL/);
    expect(loadConfig(['REFINERY_OPENLINEAGE_URL'], { REFINERY_OPENLINEAGE_URL: 'https://marquez.internal:5000/api/v1/lineage' }).REFINERY_OPENLINEAGE_URL).toBe('https://marquez.internal:5000/api/v1/lineage');
  });

  it('backs off redelivery from a minute, doubling, to at most an hour', () => {
    expect([1, 2, 3, 7, 20].map(retryAfterMs)).toEqual([60_000, 120_000, 240_000, 3_600_000, 3_600_000]);
  });
});
