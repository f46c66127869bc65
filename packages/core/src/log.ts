import { format } from 'node:util';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * The one JSON logger of the Node processes (web, pipeline worker, GPU worker): one JSON object
 * per line with `time`, `level`, `msg`, `process`, and when known `runId`, `stage`, `attempt`
 * and the active OpenTelemetry span's `traceId`/`spanId`. Node-only (`@refinery/core/log`).
 *
 * What may be logged (docs/security.md, Logs): ids, counts, line numbers, entity types, durations,
 * never dataset values, secrets or tokens. Two nets catch slips: `redact` blanks secret-bearing
 * keys anywhere in the first three levels of a logged object, and every message string has
 * URL credentials, API tokens and bearer credentials masked.
 */

export type ProcessName = 'web' | 'pipeline-worker' | 'gpu-worker';

export type { Logger };

/** Keys whose values never reach a log line (compared as written; pino's redact is exact). */
export const SECRET_LOG_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'secret',
  'secrets',
  'clientSecret',
  'client_secret',
  'apiKey',
  'api_key',
  'x-api-key',
  'taskToken',
  'task_token',
  'redactionKey',
  'projectKey',
  'DATABASE_URL',
  'REFINERY_AUTH_SECRET',
  'REFINERY_PAYLOAD_KEYS',
  'REFINERY_AUDIT_SIGNING_KEY',
  'REFINERY_OIDC_CLIENT_SECRET',
  'REFINERY_OPENLINEAGE_API_KEY',
  'REFINERY_METRICS_TOKEN',
  'REFINERY_TOKEN',
  'REFINERY_PASSWORD',
] as const;

const path = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`);
/** `key`, `*.key` and `*.*.key` for every secret key: pino's redact paths are exact, wildcards one level each. */
export const REDACT_PATHS = SECRET_LOG_KEYS.flatMap((k) => [path(k), `*.${path(k)}`, `*.*.${path(k)}`].map((p) => p.replace('.[', '[')));

const SCRUBBERS: [RegExp, string][] = [
  // scheme://user:password@host → scheme://user:***@host (DATABASE_URL in a driver's error)
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, '$1***@'],
  // Refinery API tokens (rfy_ + 43 base64url characters)
  [/\brfy_[A-Za-z0-9_-]{20,}/g, 'rfy_***'],
  // Authorization header values quoted in a message
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 ***'],
];

/** Masks credentials a message string may carry (URL passwords, API tokens, bearer values). */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SCRUBBERS) out = out.replace(pattern, replacement);
  return out;
}

const MAX_STACK_FRAMES = 12;
/** What replaces an error message that belongs to a run: it may quote a record (ingest's invalid JSON). */
export const WITHHELD_MESSAGE = "withheld from the log (it may quote data): read the run's stage error";

/**
 * An error as it may appear in a log line: its name and failure type, retryability, the message
 * (secrets scrubbed) unless it belongs to a run, and the stack's frames without the message line.
 * Failure `details` (stage reports) are never printed. Causes are followed two levels down.
 */
export function loggableError(error: unknown, o: { withholdMessage: boolean }, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: o.withholdMessage ? WITHHELD_MESSAGE : scrubSecrets(String(error)) };
  const e = error as Error & { type?: unknown; nonRetryable?: unknown; cause?: unknown };
  const out: Record<string, unknown> = { name: e.name };
  if (typeof e.type === 'string') out.type = e.type;
  if (typeof e.nonRetryable === 'boolean') out.nonRetryable = e.nonRetryable;
  out.message = o.withholdMessage ? WITHHELD_MESSAGE : scrubSecrets(e.message);
  const frames = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, MAX_STACK_FRAMES).map((l) => l.trim());
  if (frames.length) out.stack = frames;
  if (e.cause !== undefined && depth < 2) out.cause = loggableError(e.cause, o, depth + 1);
  return out;
}

/** The active OpenTelemetry span's ids, when a tracer provider is registered and a span is current. */
export function activeTraceIds(): { traceId?: string; spanId?: string } {
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
}

export interface CreateLoggerOptions {
  /** Default LOG_LEVEL, else `info`. */
  level?: string;
  /** Default stdout (synchronous, so nothing is lost when the process exits). */
  destination?: DestinationStream;
}

/** A JSON logger for one process; child loggers (`logger.child({ runId, stage, attempt })`) add context. */
export function createLogger(processName: ProcessName, o: CreateLoggerOptions = {}): Logger {
  return pino(
    {
      level: o.level ?? process.env.LOG_LEVEL?.toLowerCase() ?? 'info',
      base: { process: processName, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      mixin: activeTraceIds,
      // An Error logged as `err` gets loggableError's shape (name, type, scrubbed message, frames);
      // an object already in that shape passes as is (pino's default would retype it "Object").
      serializers: { err: (e: unknown) => (e instanceof Error ? loggableError(e, { withholdMessage: false }) : e) },
      hooks: {
        // Every string argument (the message and its format arguments) goes through the scrubber.
        logMethod(args, method) {
          return method.apply(this, args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    o.destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

/**
 * Sends console.log/info/warn/error/debug of this process (ours and any library's) through the
 * logger, so every line a worker prints is one JSON object. Arguments are formatted as console
 * would (util.format); `[tag]` prefixes stay in the message.
 */
export function routeConsoleTo(logger: Logger): void {
  const to = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: unknown[]) => logger[level](format(...args));
  console.log = to('info');
  console.info = to('info');
  console.warn = to('warn');
  console.error = to('error');
  console.debug = to('debug');
}
