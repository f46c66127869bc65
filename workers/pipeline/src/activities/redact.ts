import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/activity';
import type { DatasetFormat, RedactReport } from '@refinery/core';
import { getProjectRedactionKey, recordArtifact, recordLineage } from '@refinery/db';
import {
  createJsonlRedactor,
  ENTITY_TYPES,
  RedactionInputTooLargeError,
  RedactionRecordError,
  splitLines,
  verifyJsonl,
  type RedactionPolicy,
} from '@refinery/redaction';
import { shaFromObjectUri } from '@refinery/storage';
import type { PipelineDeps } from './deps';
import type { DatasetArtifact } from './ingest';
import { withHeartbeat } from './heartbeat';

export interface RedactInput {
  runId: string;
  projectId: string;
  dataset: DatasetArtifact;
  format: DatasetFormat;
  policy: RedactionPolicy;
}

export interface RedactResult {
  dataset: DatasetArtifact;
  /** The redaction report plus the verification summary (types and line numbers only). */
  report: RedactReport;
  reportArtifactId: string;
}

/**
 * Redact: stream the raw dataset through the policy into a new object (constant memory),
 * then re-scan the output for every built-in entity type plus the policy's own; any residual
 * fails the stage with its types and line numbers, never its values.
 */
export function redactActivities(deps: PipelineDeps) {
  return {
    async redactDataset(input: RedactInput): Promise<RedactResult> {
      const progress = { phase: 'redact', lines: 0 };
      return withHeartbeat(progress, async (signal) => {
        const { store } = deps.sources;
        const projectKey = await getProjectRedactionKey(deps.db, input.projectId);
        const dir = await mkdtemp(join(tmpdir(), 'refinery-redact-'));
        try {
          const outPath = join(dir, 'redacted.jsonl');
          const redactor = createJsonlRedactor({ policy: input.policy, format: input.format, projectKey });
          const out = createWriteStream(outPath);
          const raw = await store.get(shaFromObjectUri(input.dataset.uri)!);
          try {
            for await (const line of redactor.redact(countLines(splitLines(raw), progress, signal))) {
              if (!out.write(`${line}\n`)) await once(out, 'drain');
            }
          } catch (err) {
            if (err instanceof RedactionInputTooLargeError || err instanceof RedactionRecordError) {
              throw ApplicationFailure.nonRetryable(err.message, 'RedactionInputRejected');
            }
            throw err;
          } finally {
            await new Promise((r) => out.end(r));
          }
          const redactionReport = redactor.report();

          progress.phase = 'verify';
          const verification = await verifyJsonl(splitLines(createReadStream(outPath)), {
            policy: input.policy,
            format: input.format,
            projectKey,
            entities: [...ENTITY_TYPES],
            maxResiduals: 100,
          });
          const report: RedactReport = { ...redactionReport, verification };
          if (!verification.clean) {
            const types = Object.entries(verification.residualsByType).map(([t, n]) => `${t} ×${n}`).join(', ');
            const lines = [...new Set(verification.residuals.map((r) => r.line))].slice(0, 10).join(', ');
            throw ApplicationFailure.create({
              type: 'RedactionVerificationFailed',
              nonRetryable: true,
              message: `verification found ${verification.residualCount} unredacted value(s) after redaction (${types}) on lines ${lines}${verification.residualCount > 10 ? ', ...' : ''}; add these types to redaction.entities or choose another action`,
              details: [report],
            });
          }

          const stored = await store.put(createReadStream(outPath));
          const reportObject = await store.put(Readable.from([JSON.stringify(report, null, 2)]));
          const artifactId = await recordArtifact(deps.db, {
            runId: input.runId,
            kind: 'redacted_dataset',
            sha256: stored.sha256,
            uri: stored.uri,
            bytes: stored.bytes,
            mediaType: 'application/jsonl',
            producedByStage: 'redact',
            metadata: { policyHash: report.policyHash, records: report.records.written, format: input.format },
          });
          const reportArtifactId = await recordArtifact(deps.db, {
            runId: input.runId,
            kind: 'redaction_report',
            sha256: reportObject.sha256,
            uri: reportObject.uri,
            bytes: reportObject.bytes,
            mediaType: 'application/json',
            producedByStage: 'redact',
            metadata: { policyHash: report.policyHash, verified: true },
          });
          await recordLineage(deps.db, { fromArtifactId: input.dataset.artifactId, toArtifactId: artifactId, relation: 'redacted_from', runId: input.runId, stage: 'redact' });
          await recordLineage(deps.db, { fromArtifactId: artifactId, toArtifactId: reportArtifactId, relation: 'reported_by', runId: input.runId, stage: 'redact' });
          return { dataset: { artifactId, uri: stored.uri, sha256: stored.sha256, bytes: stored.bytes }, report, reportArtifactId };
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    },
  };
}

async function* countLines(lines: AsyncIterable<string>, progress: { lines: number }, signal: AbortSignal): AsyncGenerator<string> {
  for await (const line of lines) {
    signal.throwIfAborted();
    progress.lines += 1;
    yield line;
  }
}
