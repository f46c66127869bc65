import { audit } from '@refinery/db';
import { codecServerCall, CodecRequestError, PayloadDecryptionError, payloadCodecFromConfig } from '@refinery/temporal';
import { serverContext, type ServerContext } from './context';
import { HttpError, json, parseJsonBody, readText } from './http';
import { temporalUiOrigins } from './route';

// A history page's payloads (reports, specs) in one call; far above what the Web UI sends.
const MAX_CODEC_BODY_BYTES = 32 * 1024 * 1024;

/**
 * Temporal's codec-server protocol for the Web UI and `temporal --codec-endpoint`: payloads in,
 * payloads through the encryption codec out. A decode is audited with counts only (never what
 * the payloads hold); the namespace is the caller's X-Namespace header, as the Web UI sends it.
 */
export async function codecCall(server: ServerContext, actor: string, op: 'encode' | 'decode', req: Request): Promise<Response> {
  const body = parseJsonBody(await readText(req, MAX_CODEC_BODY_BYTES), ' (Temporal codec-server protocol: {"payloads": [{"metadata": {...}, "data": "<base64>"}]})');
  let result: Awaited<ReturnType<typeof codecServerCall>>;
  try {
    result = await codecServerCall(payloadCodecFromConfig(server.config), op, body);
  } catch (err) {
    if (err instanceof CodecRequestError) throw new HttpError(400, 'invalid_body', err.message);
    if (err instanceof PayloadDecryptionError) throw new HttpError(400, 'undecryptable_payload', err.message);
    throw err;
  }
  if (op === 'decode') {
    const namespace = req.headers.get('x-namespace')?.slice(0, 200) || server.config.TEMPORAL_NAMESPACE;
    await audit(server.database.db, {
      actor,
      action: 'temporal.payloads_decoded',
      subjectType: 'temporal_namespace',
      subjectId: namespace,
      projectId: null,
      data: { payloads: result.payloads.length, encrypted: result.encrypted },
    });
  }
  return json({ payloads: result.payloads });
}

/** CORS for the Temporal Web UI's origin(s): its browser calls carry the dashboard session cookie. */
function corsHeaders(config: { REFINERY_TEMPORAL_UI_ORIGIN: string }, origin: string | null): Record<string, string> {
  if (!origin || !temporalUiOrigins(config).includes(origin)) return { Vary: 'Origin' };
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization',
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };
}

/** Adds the CORS headers to whatever the route answered (errors too, so the UI can show them). */
export function withTemporalUiCors(handler: (req: Request) => Promise<Response>) {
  return async (req: Request): Promise<Response> => {
    const res = await handler(req);
    const server = await serverContext().catch(() => undefined);
    if (!server) return res;
    const headers = new Headers(res.headers);
    for (const [k, v] of Object.entries(corsHeaders(server.config, req.headers.get('origin')))) headers.set(k, v);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}

/** The browser's preflight: no credentials, so it only says which origin, method and headers may follow. */
export async function temporalUiPreflight(req: Request): Promise<Response> {
  const server = await serverContext();
  return new Response(null, { status: 204, headers: corsHeaders(server.config, req.headers.get('origin')) });
}
