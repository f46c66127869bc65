import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { activeTraceId, activeTracing, inRequestSpan, startTracing, traceContextEnv, tracingConfigured, WithoutQueryStrings } from '../src/tracing';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

describe('tracing configuration', () => {
  it('is on with an OTLP endpoint, off without one or with OTEL_SDK_DISABLED', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
  });

  it('starts nothing without an endpoint: no SDK, and the helpers are no-ops', async () => {
    expect(startTracing('test', {})).toBeUndefined();
    expect(activeTracing()).toBeUndefined();
    const res = await inRequestSpan('GET /x', new Headers({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` }), {}, async () => {
      expect(activeTraceId()).toBeUndefined();
      expect(traceContextEnv()).toEqual({});
      return new Response('ok');
    });
    expect(res.status).toBe(200);
  });
});

describe('with an SDK registered', () => {
  // The same global registration startTracing does (propagator, context manager), with spans kept in memory.
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    new NodeTracerProvider({ spanProcessors: [new WithoutQueryStrings(new SimpleSpanProcessor(exporter))] }).register();
  });

  it("a request span continues the caller's traceparent; its trace id and context reach a child process's environment", async () => {
    exporter.reset();
    let seen: { traceId?: string; env?: Record<string, string> } = {};
    await inRequestSpan('POST /api/v1/runs', new Headers({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` }), { 'http.route': '/api/v1/runs' }, async () => {
      seen = { traceId: activeTraceId(), env: traceContextEnv() };
      return new Response(null, { status: 201 });
    });
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe('POST /api/v1/runs');
    expect(span!.kind).toBe(SpanKind.SERVER);
    expect(span!.spanContext().traceId).toBe(CALLER_TRACE);
    expect(span!.parentSpanId).toBe(CALLER_SPAN);
    expect(span!.attributes).toMatchObject({ 'http.route': '/api/v1/runs', 'http.response.status_code': 201 });
    expect(seen.traceId).toBe(CALLER_TRACE);
    expect(seen.env).toEqual({ TRACEPARENT: `00-${CALLER_TRACE}-${span!.spanContext().spanId}-01` });
  });

  it('a new trace without a traceparent; server errors and thrown errors mark the span', async () => {
    exporter.reset();
    await inRequestSpan('GET /a', new Headers(), {}, async () => new Response(null, { status: 503 }));
    await expect(inRequestSpan('GET /b', new Headers(), {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const [a, b] = exporter.getFinishedSpans();
    expect(a!.parentSpanId).toBeUndefined();
    expect(a!.spanContext().traceId).not.toBe(CALLER_TRACE);
    expect(a!.status.code).toBe(SpanStatusCode.ERROR);
    expect(b!.status.code).toBe(SpanStatusCode.ERROR);
    expect(b!.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('an unsampled caller gets no stored trace id (its spans are not exported)', async () => {
    await inRequestSpan('GET /c', new Headers({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-00` }), {}, async () => {
      expect(activeTraceId()).toBeUndefined();
      return new Response('ok');
    });
  });

  it('query strings never leave the process (an SSO callback carries its OAuth code in one)', async () => {
    exporter.reset();
    await inRequestSpan('GET /api/auth/callback/sso', new Headers(), { 'http.target': '/api/auth/callback/sso?code=s3cret&state=x', 'url.query': 'code=s3cret', 'http.url': 'http://idp/token?x=1' }, async () => new Response('ok'));
    await inRequestSpan('fetch GET http://idp/jwks?k=s3cret', new Headers(), {}, async () => new Response('ok'));
    const [span, fetched] = exporter.getFinishedSpans();
    expect(span!.attributes).toMatchObject({ 'http.target': '/api/auth/callback/sso', 'http.url': 'http://idp/token' });
    expect(fetched!.name).toBe('fetch GET http://idp/jwks');
    expect(JSON.stringify(span!.attributes)).not.toContain('s3cret');
  });
});
