import { addAbortSignal } from 'node:stream';
import { ApplicationFailure } from '@temporalio/activity';
import type { DatasetFormat, IngestReport } from '@refinery/core';
import { recordArtifact } from '@refinery/db';
import { openSource, shaFromObjectUri, SourceRejectedError } from '@refinery/storage';
import { validateDataset } from '../ingest/validate-dataset';
import type { PipelineDeps } from './deps';
import { withHeartbeat } from './heartbeat';

export interface IngestInput {
  runId: string;
  dataset: { uri: string; format: DatasetFormat };
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
 */
export function ingestActivities(deps: PipelineDeps) {
  return {
    async ingestDataset({ runId, dataset }: IngestInput): Promise<IngestResult> {
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

        progress.phase = 'validate';
        const report = await validateDataset(addAbortSignal(signal, await store.get(sha256)), {
          format: dataset.format,
          sha256,
          onLine: (n) => (progress.lines = n),
        });
        const uri = `object://sha256/${sha256}`;
        const artifactId = await recordArtifact(deps.db, {
          runId,
          kind: 'raw_dataset',
          sha256,
          uri,
          bytes: report.bytes,
          mediaType: 'application/jsonl',
          producedByStage: 'ingest',
          metadata: { source: dataset.uri, format: dataset.format, records: report.records },
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
