/**
 * Part (b) of the load benchmark: open-loop HTTP load at a fixed rate. Request i is due at
 * start + i / rps whether or not earlier ones have answered (none is awaited before the next is
 * sent), cycling through the endpoints. Latency is measured from the request's due time to the
 * last byte of its body (so a client or server that falls behind shows up in it, wrk2-style);
 * the send lag (due → actually sent) is reported apart.
 */
import { performance } from 'node:perf_hooks';
import { summarize, type Summary } from './stats';

export interface Endpoint {
  /** Label in the table: the route key, e.g. "GET /api/v1/runs". */
  name: string;
  path: string;
}

export interface ApiLoadOptions {
  baseUrl: string;
  token: string;
  endpoints: Endpoint[];
  rps: number;
  seconds: number;
  /** A request still unanswered after this long counts as an error (ms). */
  requestTimeoutMs?: number;
}

export interface EndpointResult {
  name: string;
  path: string;
  requests: number;
  ok: number;
  errors: Record<string, number>;
  latencyMs: Summary;
}

export interface ApiLoadResult {
  rps: number;
  seconds: number;
  /** Requests answered per second over the phase (all statuses). */
  achievedRps: number;
  /** Due → sent: how far the client itself fell behind its schedule (ms). */
  sendLagMs: Summary;
  overall: EndpointResult;
  endpoints: EndpointResult[];
}

interface Sample {
  endpoint: number;
  latencyMs: number;
  lagMs: number;
  outcome: string;
}

export async function runApiLoad(o: ApiLoadOptions): Promise<ApiLoadResult> {
  const total = Math.round(o.rps * o.seconds);
  const intervalMs = 1000 / o.rps;
  const timeoutMs = o.requestTimeoutMs ?? 10_000;
  const headers = { authorization: `Bearer ${o.token}` };
  const samples: Sample[] = [];
  const inFlight: Promise<void>[] = [];
  const start = performance.now() + 20;

  const fire = (i: number, due: number) => {
    const endpoint = i % o.endpoints.length;
    const sent = performance.now();
    return fetch(`${o.baseUrl}${o.endpoints[endpoint]!.path}`, { headers, signal: AbortSignal.timeout(timeoutMs) })
      .then(async (res) => {
        await res.arrayBuffer();
        return res.ok ? 'ok' : `HTTP ${res.status}`;
      })
      .catch((err: Error) => (err.name === 'TimeoutError' ? 'timeout' : err.name || 'error'))
      .then((outcome) => void samples.push({ endpoint, latencyMs: performance.now() - due, lagMs: sent - due, outcome }));
  };

  for (let i = 0; i < total; i++) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(fire(i, due));
  }
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - start) / 1000;

  const resultOf = (name: string, path: string, of: Sample[]): EndpointResult => {
    const errors: Record<string, number> = {};
    for (const s of of) if (s.outcome !== 'ok') errors[s.outcome] = (errors[s.outcome] ?? 0) + 1;
    return { name, path, requests: of.length, ok: of.filter((s) => s.outcome === 'ok').length, errors, latencyMs: summarize(of.map((s) => s.latencyMs)) };
  };
  return {
    rps: o.rps,
    seconds: o.seconds,
    achievedRps: samples.length / elapsedS,
    sendLagMs: summarize(samples.map((s) => s.lagMs)),
    overall: resultOf('all', '', samples),
    endpoints: o.endpoints.map((e, i) => resultOf(e.name, e.path, samples.filter((s) => s.endpoint === i))),
  };
}

/** Server-side view from the web app's /metrics: refinery_api_request_duration_seconds sum and count per route key. */
export async function scrapeRouteTimes(metricsUrl: string, token: string): Promise<Record<string, { count: number; sumS: number }>> {
  const text = await (await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` } })).text();
  const out: Record<string, { count: number; sumS: number }> = {};
  for (const m of text.matchAll(/^refinery_api_request_duration_seconds_(sum|count)\{(.*)\} ([0-9.eE+-]+)$/gm)) {
    const route = /route="([^"]*)"/.exec(m[2]!)?.[1];
    if (!route) continue;
    const row = (out[route] ??= { count: 0, sumS: 0 });
    if (m[1] === 'sum') row.sumS += Number(m[3]);
    else row.count += Number(m[3]);
  }
  return out;
}

/** Mean server-side handler time per route over an interval, from two scrapes (ms). */
export function serverMeansMs(before: Record<string, { count: number; sumS: number }>, after: Record<string, { count: number; sumS: number }>): Record<string, { requests: number; meanMs: number }> {
  const out: Record<string, { requests: number; meanMs: number }> = {};
  for (const [route, a] of Object.entries(after)) {
    const b = before[route] ?? { count: 0, sumS: 0 };
    const n = a.count - b.count;
    if (n > 0) out[route] = { requests: n, meanMs: ((a.sumS - b.sumS) / n) * 1000 };
  }
  return out;
}
