import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { StageName, StoredArtifact } from '@refinery/core';
import { recordArtifact, recordLineage } from '@refinery/db';
import { DIRECTORY_MEDIA_TYPE, getDirectory, putDirectory, shaFromObjectUri } from '@refinery/storage';
import type { GpuDeps } from './deps';

/**
 * What every GPU stage shares: fetching earlier outputs into scratch, and storing new
 * ones as sha256-addressed artifacts with their lineage.
 */
export async function fetchFile(deps: GpuDeps, uri: string, path: string): Promise<string> {
  await pipeline(await deps.sources.store.get(shaFromObjectUri(uri)!), createWriteStream(path));
  return path;
}

export async function fetchDirectory(deps: GpuDeps, uri: string, scratch: string, name: string): Promise<string> {
  const dir = join(scratch, name);
  await getDirectory(deps.sources.store, uri, dir);
  return dir;
}

interface Output {
  runId: string;
  stage: StageName;
  kind: string;
  metadata: Record<string, unknown>;
  /** Where it came from: lineage edges from these artifacts, with this relation. */
  from: { artifactId: string; relation: string }[];
}

export async function storeDirectory(deps: GpuDeps, dir: string, o: Output): Promise<StoredArtifact> {
  const stored = await putDirectory(deps.sources.store, dir);
  return record(deps, { ...stored, mediaType: DIRECTORY_MEDIA_TYPE }, o);
}

export async function storeFile(deps: GpuDeps, path: string, mediaType: string, o: Output): Promise<StoredArtifact> {
  const stored = await deps.sources.store.put(createReadStream(path), { maxBytes: (await stat(path)).size });
  return record(deps, { ...stored, mediaType }, o);
}

async function record(deps: GpuDeps, stored: { sha256: string; uri: string; bytes: number; mediaType: string }, o: Output): Promise<StoredArtifact> {
  const artifactId = await recordArtifact(deps.db, {
    runId: o.runId,
    kind: o.kind,
    sha256: stored.sha256,
    uri: stored.uri,
    bytes: stored.bytes,
    mediaType: stored.mediaType,
    producedByStage: o.stage,
    metadata: o.metadata,
  });
  for (const from of o.from) await recordLineage(deps.db, { fromArtifactId: from.artifactId, toArtifactId: artifactId, relation: from.relation, runId: o.runId, stage: o.stage });
  return { artifactId, uri: stored.uri, sha256: stored.sha256, bytes: stored.bytes };
}
