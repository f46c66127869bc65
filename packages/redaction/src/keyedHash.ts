import { createHmac } from 'node:crypto';

/** HMAC-SHA256 under the per-project secret. Injectable so callers can supply a KMS-backed one. */
export interface KeyedHasher {
  digest(message: string): Uint8Array;
}

export function createKeyedHasher(key: string | Uint8Array): KeyedHasher {
  if (key.length === 0) throw new Error('projectKey must not be empty');
  return {
    digest(message: string): Uint8Array {
      return createHmac('sha256', key).update(message, 'utf8').digest();
    },
  };
}

export function toHex(bytes: Uint8Array, length: number): string {
  let hex = '';
  for (let i = 0; hex.length < length; i++) hex += bytes[i].toString(16).padStart(2, '0');
  return hex.slice(0, length);
}

/** A number in [0, modulo) taken from 4 digest bytes starting at `offset`. */
export function pick(bytes: Uint8Array, offset: number, modulo: number): number {
  const value = ((bytes[offset % 32] << 24) | (bytes[(offset + 1) % 32] << 16) | (bytes[(offset + 2) % 32] << 8) | bytes[(offset + 3) % 32]) >>> 0;
  return value % modulo;
}
