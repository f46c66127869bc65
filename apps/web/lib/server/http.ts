import { NextResponse } from 'next/server';
import { ConfigError, type ApiError, type SpecIssue } from '@refinery/core';

/** Errors the API answers with a status and a body that says what to fix. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: SpecIssue[],
  ) {
    super(message);
  }
}

export const json = <T>(body: T, status = 200, headers?: Record<string, string>) => NextResponse.json(body, { status, headers });

export function errorResponse(err: unknown): NextResponse<ApiError> {
  if (err instanceof HttpError) {
    return NextResponse.json({ error: { code: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) } }, { status: err.status });
  }
  if (err instanceof ConfigError) {
    console.error(`[api] ${err.message}`);
    return NextResponse.json({ error: { code: 'server_misconfigured', message: 'the server configuration is invalid; see the server log' } }, { status: 500 });
  }
  console.error('[api] unexpected error', err);
  return NextResponse.json({ error: { code: 'internal', message: 'internal server error; see the server log' } }, { status: 500 });
}

/** Wraps a route handler so every thrown error becomes a JSON error response. */
export function route<A extends unknown[]>(handler: (...args: A) => Promise<Response>) {
  return async (...args: A): Promise<Response> => {
    try {
      return await handler(...args);
    } catch (err) {
      return errorResponse(err);
    }
  };
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
