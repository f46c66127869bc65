import { NextResponse } from 'next/server';
import type { z } from 'zod';
import { ConfigError, type ApiError, type SpecIssue } from '@refinery/core';
import { loggableError } from '@refinery/core/log';
import { log } from './log';

/** Errors the API answers with a status and a body that says what to fix. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: SpecIssue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const json = <T>(body: T, status = 200, headers?: Record<string, string>) => NextResponse.json(body, { status, headers });

/** `where` (route key, request id) goes into the server log line of a 500. */
export function errorResponse(err: unknown, where: { route?: string; requestId?: string } = {}): NextResponse<ApiError> {
  if (err instanceof HttpError) {
    return NextResponse.json({ error: { code: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) } }, { status: err.status, headers: err.headers });
  }
  if (err instanceof ConfigError) {
    log.error({ ...where, err: loggableError(err, { withholdMessage: false }) }, 'the server configuration is invalid');
    return NextResponse.json({ error: { code: 'server_misconfigured', message: 'the server configuration is invalid; see the server log' } }, { status: 500 });
  }
  // The message is kept (scrubbed of credentials): API errors quote ids and paths, not records.
  log.error({ ...where, err: loggableError(err, { withholdMessage: false }) }, 'unexpected error');
  return NextResponse.json({ error: { code: 'internal', message: 'internal server error; see the server log' } }, { status: 500 });
}

const MAX_SPEC_BYTES = 1024 * 1024;

/** Reads a request body as text with a size cap (specs are small; uploads use their own path). */
export async function readText(req: Request, maxBytes = MAX_SPEC_BYTES): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new HttpError(413, 'too_large', `the body is ${declared} bytes; the limit is ${maxBytes}`);
  const reader = req.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new HttpError(413, 'too_large', `the body exceeds the limit of ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as JSON, or a 400 that says why it is not (and, with `hint`, what else to send). */
export function parseJsonBody(text: string, hint = ''): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'invalid_json', `the body is not valid JSON (${(err as Error).message})${hint}`);
  }
}

/** Reads a JSON body and validates it (unknown fields are refused by strict schemas). */
export async function readJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  const text = await readText(req);
  const result = schema.safeParse(parseJsonBody(text));
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
    throw new HttpError(400, 'invalid_body', `the request body is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return result.data;
}
