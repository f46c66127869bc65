import { addAbortSignal } from 'node:stream';
import { ApplicationFailure } from '@temporalio/activity';
import type { DatasetFormat, IngestReport } from '@refinery/core';
import { recordArtifact } from '@refinery/db';
import { openSource, shaFromObjectUri, SourceRejectedError } from '@refinery/storage';
import { validateDataset } from '../ingest/validate-dataset';
import type { PipelineDeps } from './deps';
import { withHeartbeat } from './heartbeat';
import { lookUpStepCache, stepCacheKey } from './step-cache';

export interface IngestInput {
  runId: string;
  dataset: { uri: string; format: DatasetFormat };
  /** Step caching (RunSpec `cache.ingest`, default on): reuse the validation of the same content and format. Absent in older histories: on. */
  cache?: boolean;
}

export interface DatasetArtifact {
  artifactId: string;
  uri: string;
  sha256: string;
  bytes: number;
}

export interface IngestResult {
  dataset: DatasetArtifact;
  report: IngestReport;
}

/**
 * Ingest: copy the dataset into the object store (streaming, sha256-addressed), then
 * validate it line by line. A dataset with any invalid line fails the run with the report.
 * The source is always fetched and hashed (only its content says whether it changed); with step
 * caching, an earlier validation of the same content and format is reused.
 */
export function ingestActivities(deps: PipelineDeps) {
  return {
    async ingestDataset(input: IngestInput): Promise<IngestResult> {
      const { runId, dataset } = input;
      const progress = { phase: 'fetch', bytes: 0, lines: 0 };
      return withHeartbeat(progress, async (signal) => {
        const { store } = deps.sources;
        let sha256 = shaFromObjectUri(dataset.uri);
        if (!sha256) {
          const source = await openSource(dataset.uri, deps.sources).catch((err: unknown) => {
            if (err instanceof SourceRejectedError) throw ApplicationFailure.nonRetryable(err.message, 'SourceRejected');
            throw err;
          });
          const stored = await store.put(addAbortSignal(signal, source), { onProgress: (b) => (progress.bytes = b) });
          sha256 = stored.sha256;
        } else if (!(await store.exists(sha256))) {
          throw ApplicationFailure.nonRetryable(`${dataset.uri} is not in the object store; upload it first`, 'SourceRejected');
        }

        const metadata = (records: number) => ({ source: dataset.uri, format: dataset.format, records });
        const uri = `object://sha256/${sha256}`;
        const key = stepCacheKey('ingest', { format: dataset.format, sha256 });
        const cached = await lookUpStepCache(deps, { runId, stage: 'ingest', key, enabled: input.cache !== false });
        if (cached) {
          // This run's own source URI: erasure by source finds the raw dataset by it.
          const reused = await cached.artifact('raw_dataset', metadata(cached.report.records));
          if (reused) {
            await cached.finish();
            return { dataset: reused, report: cached.report };
          }
        }

        progress.phase = 'validate';
        const report = await validateDataset(addAbortSignal(signal, await store.get(sha256)), {
          format: dataset.format,
          sha256,
          onLine: (n) => (progress.lines = n),
        });
        const artifactId = await recordArtifact(deps.db, {
          runId,
          kind: 'raw_dataset',
          sha256,
          uri,
          bytes: report.bytes,
          mediaType: 'application/jsonl',
          producedByStage: 'ingest',
          metadata: metadata(report.records),
        });
        if (report.errorCount > 0) {
          const first = report.errors[0]!;
          // Line 0 is an error about the whole file (e.g. "dataset is empty"): say just that.
          const message =
            first.line === 0 && report.errorCount === 1
              ? first.reason
              : `dataset has ${report.errorCount} error(s); first ${first.line === 0 ? 'for the whole file' : `at line ${first.line}, ${first.field}`}: ${first.reason}`;
          throw ApplicationFailure.create({
            type: 'DatasetInvalid',
            nonRetryable: true,
            message,
            details: [report],
          });
        }
        return { dataset: { artifactId, uri, sha256, bytes: report.bytes }, report };
      });
    },
  };
}
