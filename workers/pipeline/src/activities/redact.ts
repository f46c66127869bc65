import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/activity';
import type { DatasetFormat, RedactReport } from '@refinery/core';
import { getProjectRedactionKey, recordArtifact, recordLineage } from '@refinery/db';
import {
  createJsonlRedactor,
  ENTITY_TYPES,
  RedactionInputTooLargeError,
  RedactionRecordError,
  secondOpinionJsonl,
  splitLines,
  verifyJsonl,
  type RedactionPolicy,
  type SecondOpinionResult,
  type VerificationResult,
} from '@refinery/redaction';
import { shaFromObjectUri } from '@refinery/storage';
import { metric, METRICS } from '@refinery/core/metrics';
import type { PipelineDeps } from './deps';
import type { DatasetArtifact } from './ingest';
import { withHeartbeat } from './heartbeat';
import { lineWriter, scratchDir, scratchWriteFailure } from './scratch';
import { lookUpStepCache, redactionKeyFingerprint, stepCacheKey } from './step-cache';

export interface RedactInput {
  runId: string;
  projectId: string;
  dataset: DatasetArtifact;
  format: DatasetFormat;
  policy: RedactionPolicy;
  /** Step caching (RunSpec `cache.redact`, default on). Absent in older histories: on. */
  cache?: boolean;
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
 * fails the stage with its types and line numbers, never its values. Then the second opinion
 * (a check built without the detectors) reads the output twice; its suspicions fail the stage
 * when the policy says `secondOpinion: fail`, and are listed in the report for review otherwise.
 */
export function redactActivities(deps: PipelineDeps) {
  return {
    async redactDataset(input: RedactInput): Promise<RedactResult> {
      const progress = { phase: 'redact', lines: 0 };
      return withHeartbeat(progress, async (signal) => {
        const { store } = deps.sources;
        const projectKey = await getProjectRedactionKey(deps.db, input.projectId);
        // Surrogates and pseudonyms depend on the project's key: another key never reuses them.
        const key = stepCacheKey('redact', { input: input.dataset.sha256, format: input.format, policy: input.policy, projectKey: redactionKeyFingerprint(projectKey) });
        const cached = await lookUpStepCache(deps, { runId: input.runId, stage: 'redact', key, enabled: input.cache !== false });
        if (cached) {
          const dataset = await cached.artifact('redacted_dataset');
          const reportArtifact = await cached.artifact('redaction_report');
          if (dataset && reportArtifact) {
            await recordRedactionLineage(deps, input, dataset.artifactId, reportArtifact.artifactId);
            await cached.finish();
            return { dataset, report: cached.report, reportArtifactId: reportArtifact.artifactId };
          }
        }
        const dir = await scratchDir(deps, 'redact');
        try {
          const outPath = join(dir, 'redacted.jsonl');
          const redactor = createJsonlRedactor({ policy: input.policy, format: input.format, projectKey });
          const out = lineWriter(outPath);
          const raw = await store.get(shaFromObjectUri(input.dataset.uri)!);
          try {
            for await (const line of redactor.redact(countLines(splitLines(raw), progress, signal))) await out.write(line);
            await out.close();
          } catch (err) {
            out.abandon();
            if (err instanceof RedactionInputTooLargeError || err instanceof RedactionRecordError) {
              throw ApplicationFailure.nonRetryable(err.message, 'RedactionInputRejected');
            }
            throw scratchWriteFailure(err, deps, 'the redacted dataset');
          }
          const redactionReport = redactor.report();
          // Throughput counts what went through the redactor, whether or not verification passes next.
          metric(METRICS.redactionRecords).inc(redactionReport.records.read);
          metric(METRICS.redactionBytes).inc(input.dataset.bytes);

          progress.phase = 'verify';
          const verification = await verifyJsonl(splitLines(createReadStream(outPath)), {
            policy: input.policy,
            format: input.format,
            projectKey,
            entities: verifiedTypes(input.policy),
            maxResiduals: 100,
          });
          const mode = input.policy.secondOpinion ?? 'review';
          let secondOpinion: SecondOpinionResult | undefined;
          if (verification.clean && mode !== 'off') {
            progress.phase = 'second-opinion';
            secondOpinion = await secondOpinionJsonl(() => splitLines(createReadStream(outPath)), { format: input.format, onSuspicion: mode, maxSuspicions: 100 });
          }
          const report: RedactReport = { ...redactionReport, verification, ...(secondOpinion ? { secondOpinion } : {}) };
          const failure = verificationFailure(verification, secondOpinion);
          if (failure) {
            throw ApplicationFailure.create({ type: failure.type, nonRetryable: true, message: failure.message, details: [report] });
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
          await recordRedactionLineage(deps, input, artifactId, reportArtifactId);
          return { dataset: { artifactId, uri: stored.uri, sha256: stored.sha256, bytes: stored.bytes }, report, reportArtifactId };
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    },
  };
}

async function recordRedactionLineage(deps: PipelineDeps, input: RedactInput, artifactId: string, reportArtifactId: string): Promise<void> {
  await recordLineage(deps.db, { fromArtifactId: input.dataset.artifactId, toArtifactId: artifactId, relation: 'redacted_from', runId: input.runId, stage: 'redact' });
  await recordLineage(deps.db, { fromArtifactId: artifactId, toArtifactId: reportArtifactId, relation: 'reported_by', runId: input.runId, stage: 'redact' });
}

async function* countLines(lines: AsyncIterable<string>, progress: { lines: number }, signal: AbortSignal): AsyncGenerator<string> {
  for await (const line of lines) {
    signal.throwIfAborted();
    progress.lines += 1;
    yield line;
  }
}

/** The gate scans for every entity type except those the policy deliberately keeps. */
export const verifiedTypes = (policy: RedactionPolicy) => ENTITY_TYPES.filter((t) => !policy.keep?.includes(t));

/**
 * Whether the verification gate stops the run: any residual the engine's re-scan finds, or
 * second-opinion suspicions under `secondOpinion: fail`. The message names types, counts and
 * line numbers, never values. Suspicions under 'review' do not stop the run: the report lists them.
 */
export function verificationFailure(verification: VerificationResult, secondOpinion: SecondOpinionResult | undefined): { type: string; message: string } | null {
  if (!verification.clean) {
    const types = Object.entries(verification.residualsByType).map(([t, n]) => `${t} ×${n}`).join(', ');
    const lines = [...new Set(verification.residuals.map((r) => r.line))].slice(0, 10).join(', ');
    return {
      type: 'RedactionVerificationFailed',
      message: `verification found ${verification.residualCount} unredacted value(s) after redaction (${types}) on lines ${lines}${verification.residualCount > 10 ? ', ...' : ''}; add these types to redaction.entities, or list them in redaction.keep to leave them in deliberately`,
    };
  }
  if (secondOpinion && secondOpinion.onSuspicion === 'fail' && secondOpinion.suspicionCount > 0) {
    const types = Object.entries(secondOpinion.suspicionsByType).map(([t, n]) => `${t} ×${n}`).join(', ');
    const lines = [...new Set(secondOpinion.suspicions.map((s) => s.line))];
    return {
      type: 'RedactionSecondOpinionFailed',
      message: `the second opinion suspects ${secondOpinion.suspicionCount} unredacted value(s) the detectors did not find (${types}) on lines ${lines.slice(0, 10).join(', ')}${lines.length > 10 ? ', ...' : ''}; check those lines, add a denyList or custom pattern, or set redaction.secondOpinion: review`,
    };
  }
  return null;
}
