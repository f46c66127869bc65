import type { PayloadCodec } from '@temporalio/common';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils.js';
import { isEncrypted } from './payload-codec';

/** A codec-server request that is not `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`. */
export class CodecRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecRequestError';
  }
}

const MAX_PAYLOADS = 10_000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * One call of Temporal's codec-server protocol (what the Web UI and `temporal --codec-endpoint`
 * send to <endpoint>/decode and /encode): payloads in proto JSON, each through the codec.
 */
export async function codecServerCall(codec: PayloadCodec, op: 'encode' | 'decode', body: unknown): Promise<{ payloads: JSONPayload[]; encrypted: number }> {
  const payloads = parsePayloads(body).map((p, i) => {
    try {
      return JSONToPayload(p);
    } catch (err) {
      throw new CodecRequestError(`payloads[${i}] is not a Temporal payload: ${(err as Error).message}`);
    }
  });
  const out = op === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
  // How many of the payloads sent were encrypted (what a decode revealed), for the audit log.
  return { payloads: out.map((p) => payloadToJSON(p)), encrypted: payloads.filter(isEncrypted).length };
}

function parsePayloads(body: unknown): JSONPayload[] {
  const list = (body as { payloads?: unknown } | null)?.payloads;
  if (typeof body !== 'object' || body === null || !Array.isArray(list)) throw new CodecRequestError('the body must be {"payloads": [...]} (Temporal\'s codec-server protocol)');
  if (list.length > MAX_PAYLOADS) throw new CodecRequestError(`at most ${MAX_PAYLOADS} payloads per call; got ${list.length}`);
  return list.map((p, i) => {
    const where = `payloads[${i}]`;
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new CodecRequestError(`${where} must be an object with "metadata" and "data"`);
    const { metadata, data } = p as Record<string, unknown>;
    if (metadata !== undefined && metadata !== null) {
      if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new CodecRequestError(`${where}.metadata must be an object of base64 strings`);
      for (const [k, v] of Object.entries(metadata)) {
        if (typeof v !== 'string' || !BASE64.test(v)) throw new CodecRequestError(`${where}.metadata.${k} must be a base64 string`);
      }
    }
    if (data !== undefined && data !== null && (typeof data !== 'string' || !BASE64.test(data))) throw new CodecRequestError(`${where}.data must be a base64 string`);
    return { metadata: metadata as Record<string, string> | null | undefined, data: data as string | null | undefined };
  });
}
