import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { spawnTied, stopChild } from '../../infra/src/processes';

/** A span as test/support/otlp-receiver.py writes it (ids in lowercase hex). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  service: string | null;
  attributes: Record<string, unknown>;
  startTimeUnixNano: number;
  endTimeUnixNano: number;
  status: { code?: number | string; message?: string };
}

export interface RunningOtlpReceiver {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (the exporters add /v1/traces). */
  endpoint: string;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./otlp-receiver.py', import.meta.url));

/**
 * Starts the OTLP/HTTP receiver (the trainer venv's python: its opentelemetry-proto decodes the
 * protobuf exports) on a free loopback port; every span it receives is appended to `spansFile`.
 */
export async function startOtlpReceiver(python: string, spansFile: string, log: (line: string) => void): Promise<RunningOtlpReceiver> {
  const child = spawnTied(python, [SCRIPT, '--out', spansFile, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: child.stderr! }).on('line', log);
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the OTLP receiver (${SCRIPT}) did not print "listening on" within 30 s`)), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^listening on (\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the OTLP receiver exited (${code}) before listening; see its lines in the stack log`));
    });
  });
  return { endpoint, stop: () => stopChild(child, 2_000) };
}

/** The spans received so far, or those of one trace (the whole suite's file grows large: lines are filtered before parsing). */
export function receivedSpans(spansFile: string, traceId?: string): ReceivedSpan[] {
  if (!existsSync(spansFile)) return [];
  return readFileSync(spansFile, 'utf8')
    .split('\n')
    .filter((line) => line && (!traceId || line.includes(`"traceId":"${traceId}"`)))
    .map((line) => JSON.parse(line) as ReceivedSpan)
    .filter((span) => !traceId || span.traceId === traceId);
}
