import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const PayloadMessage = proto.temporal.api.common.v1.Payload;

/** The `encoding` metadata of an encrypted payload; its data is IV ‖ ciphertext ‖ GCM tag. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key that encrypted the payload, so rotated-out keys still decrypt. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** A payload that cannot be decrypted: unknown key id, wrong key, or altered bytes. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

export interface PayloadKeys {
  /** Every key that may decrypt, by id. */
  keys: ReadonlyMap<string, Uint8Array>;
  /** The id of the key new payloads are encrypted with. */
  activeKeyId: string;
}

/**
 * Encrypts each Temporal payload with AES-256-GCM so the server's history holds no plaintext
 * specs, reports or data. The whole original Payload message (metadata and data) is encrypted,
 * so its encoding round-trips; a fresh random IV per payload; the key id is both in the metadata
 * (to pick the key on decode) and in the authenticated data (so it cannot be swapped).
 * Decoding passes payloads that were never encrypted through unchanged: histories written
 * before encryption was enabled stay readable and replayable.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly o: PayloadKeys) {
    for (const [id, key] of o.keys) {
      if (key.length !== KEY_BYTES) throw new Error(`payload key "${id}" is ${key.length} bytes; AES-256 needs ${KEY_BYTES}`);
    }
    if (!o.keys.has(o.activeKeyId)) throw new Error(`the active payload key id "${o.activeKeyId}" is not among the keys (${[...o.keys.keys()].join(', ') || 'none'})`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encrypt(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isEncrypted(p) ? this.decrypt(p) : p));
  }

  private encrypt(payload: Payload): Payload {
    const id = this.o.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.o.keys.get(id)!, iv);
    cipher.setAAD(utf8.encode(id));
    const plain = PayloadMessage.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(id) }, data: new Uint8Array(sealed) };
  }

  private decrypt(payload: Payload): Payload {
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes) throw new PayloadDecryptionError(`an encrypted payload has no "${KEY_ID_METADATA}" metadata; it was not written by this codec`);
    const id = fromUtf8.decode(idBytes);
    const key = this.o.keys.get(id);
    if (!key) {
      throw new PayloadDecryptionError(
        `a payload is encrypted with key id "${id}", which is not configured (known: ${[...this.o.keys.keys()].join(', ')}); add that key to REFINERY_PAYLOAD_KEYS (keep retired keys there while histories that use them are retained)`,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`an encrypted payload (key id "${id}") is ${data.length} bytes, too short to hold an IV and a tag`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(idBytes);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`a payload encrypted with key id "${id}" failed authentication: it was altered, or key "${id}" is not the key that encrypted it`);
    }
    return PayloadMessage.decode(plain);
  }
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  return encoding !== undefined && encoding !== null && fromUtf8.decode(encoding) === ENCRYPTED_ENCODING;
}

/** The key id that encrypted a payload, or undefined for a plaintext one. */
export function payloadKeyId(payload: Payload): string | undefined {
  const id = payload.metadata?.[KEY_ID_METADATA];
  return isEncrypted(payload) && id ? fromUtf8.decode(id) : undefined;
}
