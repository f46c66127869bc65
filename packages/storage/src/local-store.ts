import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isSha256, ObjectNotFoundError, objectUri, type ObjectStore, type PutOptions, type StoredObject } from './object-store';
import { spoolToFile } from './spool';

/** Objects under <root>/sha256/<ab>/<full hash>; written via a temp file + atomic rename. */
export class LocalObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  get description() {
    return `local filesystem at ${this.root}`;
  }

  private pathOf(sha256: string): string {
    if (!isSha256(sha256)) throw new Error(`invalid sha256 "${sha256}"`);
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  async put(source: Readable, opts?: PutOptions): Promise<StoredObject> {
    const spooled = await spoolToFile(source, join(this.root, 'tmp'), opts);
    const target = this.pathOf(spooled.sha256);
    await mkdir(join(target, '..'), { recursive: true });
    if (await this.exists(spooled.sha256)) await rm(spooled.path, { force: true });
    else await rename(spooled.path, target);
    return { sha256: spooled.sha256, bytes: spooled.bytes, uri: objectUri(spooled.sha256) };
  }

  async get(sha256: string): Promise<Readable> {
    const path = this.pathOf(sha256);
    if (!(await this.exists(sha256))) throw new ObjectNotFoundError(sha256);
    return createReadStream(path);
  }

  async exists(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  async size(sha256: string): Promise<number> {
    const s = await stat(this.pathOf(sha256)).catch(() => null);
    if (!s) throw new ObjectNotFoundError(sha256);
    return s.size;
  }
}
