import { context, isSpanContextValid, propagation, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Span, type TextMapGetter } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-node';

/**
 * OpenTelemetry tracing of the Node processes (web, pipeline worker, GPU worker). Configured by
 * the standard OTel environment: with OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set, spans are batched and sent over OTLP/HTTP; unset (or
 * OTEL_SDK_DISABLED=true), no SDK is started, no interceptor is installed and the API calls below
 * are the OTel API's no-ops. The trace follows a run from the API request through the Temporal
 * client, workflow and activities (Temporal's interceptors carry it in headers) to the trainer
 * subprocess (W3C `TRACEPARENT` in its environment).
 */
export interface Tracing {
  readonly serviceName: string;
  readonly resource: Resource;
  /** Where the workflow sandbox's spans go too (its exporter sink). */
  readonly spanProcessor: SpanProcessor;
  /** Sends what is queued and stops exporting; call before the process exits. */
  shutdown(): Promise<void>;
}

// On globalThis, not in a module variable: Next.js bundles this module into instrumentation.ts and
// into each route separately, and the routes' Temporal client must see what register() started.
const g = globalThis as unknown as { __refineryTracing?: Tracing };

export function tracingConfigured(env: Record<string, string | undefined> = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && env.OTEL_SDK_DISABLED?.toLowerCase() !== 'true';
}

/**
 * Starts the SDK once per process (later calls return the first): the global tracer provider,
 * the W3C trace-context propagator and the AsyncLocalStorage context manager. Undefined when
 * tracing is not configured.
 */
export function startTracing(serviceName: string, env: Record<string, string | undefined> = process.env): Tracing | undefined {
  if (g.__refineryTracing) return g.__refineryTracing;
  if (!tracingConfigured(env)) return undefined;
  const resource = new Resource({ 'service.name': serviceName });
  // The exporter reads the endpoint, headers and timeout from the OTEL_EXPORTER_OTLP_* variables;
  // the batch processor its delay and queue sizes from OTEL_BSP_*.
  const spanProcessor = new WithoutQueryStrings(new BatchSpanProcessor(new OTLPTraceExporter()));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  // A collector that is down at exit costs the last batch, never the process's clean shutdown.
  const shutdown = () => provider.shutdown().catch((err: Error) => console.warn(`tracing: the last spans were not sent (${err.message})`));
  g.__refineryTracing = { serviceName, resource, spanProcessor, shutdown };
  return g.__refineryTracing;
}

/** Span attributes that hold a URL or its path (ours, Next.js's request and fetch spans, the HTTP conventions'). */
const URL_ATTRIBUTES = ['http.target', 'http.url', 'url.full', 'url.path', 'next.span_name'];

/**
 * Drops query strings from URL attributes and `url.query` before spans leave the process: a query
 * can carry an OAuth code (the SSO callback) or a search term, and traces are not the place for them.
 */
export class WithoutQueryStrings implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}
  onStart(...args: Parameters<SpanProcessor['onStart']>) {
    this.next.onStart(...args);
  }
  onEnd(span: ReadableSpan) {
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of URL_ATTRIBUTES) {
      const value = attributes[key];
      if (typeof value === 'string' && value.includes('?')) attributes[key] = value.slice(0, value.indexOf('?'));
    }
    delete attributes['url.query'];
    // Next.js names its fetch spans "fetch GET <url>".
    if (span.name.includes('?')) (span as { name: string }).name = span.name.slice(0, span.name.indexOf('?'));
    this.next.onEnd(span);
  }
  forceFlush() {
    return this.next.forceFlush();
  }
  shutdown() {
    return this.next.shutdown();
  }
}

/** The tracing this process started, if any. */
export function activeTracing(): Tracing | undefined {
  return g.__refineryTracing;
}

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => {
    const keys: string[] = [];
    headers.forEach((_, key) => keys.push(key));
    return keys;
  },
};

/**
 * Runs `fn` in a SERVER span: a child of the active span (a framework's request span) or else
 * of the caller's `traceparent` header, so a client's trace continues here. Errors are recorded
 * and rethrown; a response status ≥ 500 marks the span as an error.
 */
export async function inRequestSpan(name: string, headers: Headers, attributes: Attributes, fn: (span: Span) => Promise<Response>): Promise<Response> {
  const tracer = trace.getTracer('refinery-web');
  const parent = trace.getSpan(context.active()) ? context.active() : propagation.extract(context.active(), headers, headerGetter);
  return tracer.startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, parent, async (span) => {
    try {
      const res = await fn(span);
      span.setAttribute('http.response.status_code', res.status);
      if (res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      return res;
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The active span's trace id when it is being recorded and exported (sampled); else undefined. */
export function activeTraceId(): string | undefined {
  const span = trace.getSpan(context.active());
  const ctx = span?.spanContext();
  return ctx && isSpanContextValid(ctx) && (ctx.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? ctx.traceId : undefined;
}

/**
 * The active context as environment variables for a child process (TRACEPARENT, TRACESTATE: the
 * W3C headers, named as OpenTelemetry's environment carrier names them); empty without a span.
 */
export function traceContextEnv(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const env: Record<string, string> = {};
  if (carrier.traceparent) env.TRACEPARENT = carrier.traceparent;
  if (carrier.tracestate) env.TRACESTATE = carrier.tracestate;
  return env;
}
