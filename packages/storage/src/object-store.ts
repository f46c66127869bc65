import type { Readable } from 'node:stream';

/** A content-addressed blob store. Objects are named by the sha256 of their bytes. */
export interface StoredObject {
  sha256: string;
  bytes: number;
  /** Store-independent claim check carried in workflow payloads. */
  uri: string;
}

export interface PutOptions {
  /** Reject the stream (and keep nothing) once it exceeds this many bytes. */
  maxBytes?: number;
  /** Called as bytes arrive, for progress reporting and heartbeats. */
  onProgress?: (bytes: number) => void;
}

export interface ObjectStore {
  readonly description: string;
  put(source: Readable, opts?: PutOptions): Promise<StoredObject>;
  get(sha256: string): Promise<Readable>;
  exists(sha256: string): Promise<boolean>;
  size(sha256: string): Promise<number>;
}

export const objectUri = (sha256: string) => `object://sha256/${sha256}`;

export function shaFromObjectUri(uri: string): string | null {
  const m = /^object:\/\/sha256\/([0-9a-f]{64})$/.exec(uri);
  return m ? m[1]! : null;
}

export const isSha256 = (s: string) => /^[0-9a-f]{64}$/.test(s);

export class ObjectTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the upload exceeds the limit of ${maxBytes} bytes`);
    this.name = 'ObjectTooLargeError';
  }
}

export class ObjectNotFoundError extends Error {
  constructor(readonly sha256: string) {
    super(`object sha256:${sha256} is not in the object store`);
    this.name = 'ObjectNotFoundError';
  }
}
