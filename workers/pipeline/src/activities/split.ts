import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { SplitReport, SplitSpec } from '@refinery/core';
import { recordArtifact, recordLineage } from '@refinery/db';
import { readLines, shaFromObjectUri } from '@refinery/storage';
import type { PipelineDeps } from './deps';
import type { DatasetArtifact } from './ingest';
import { withHeartbeat } from './heartbeat';
import { lineWriter, scratchDir, scratchWriteFailure } from './scratch';
import { lookUpStepCache, stepCacheKey } from './step-cache';

export interface SplitInput {
  runId: string;
  dataset: DatasetArtifact;
  split: SplitSpec;
  /** Step caching (RunSpec `cache.split`, default on). Absent in older histories: on. */
  cache?: boolean;
}
export interface SplitResult {
  train: DatasetArtifact;
  eval: DatasetArtifact | null;
  report: SplitReport;
}

/**
 * A record goes to eval when sha256(seed, record) falls under the eval fraction: the same
 * record and seed always land on the same side (duplicates never straddle the split), and
 * the split needs no shuffling or memory.
 */
export function isEvalRecord(line: string, seed: number, evalFraction: number): boolean {
  const h = createHash('sha256').update(`${seed}\n`).update(line).digest();
  return h.readUInt32BE(0) / 2 ** 32 < evalFraction;
}

export function splitActivities(deps: PipelineDeps) {
  return {
    async splitDataset({ runId, dataset, split, cache }: SplitInput): Promise<SplitResult> {
      const progress = { lines: 0 };
      return withHeartbeat(progress, async () => {
        const { store } = deps.sources;
        const key = stepCacheKey('split', { input: dataset.sha256, eval: split.eval, seed: split.seed });
        const cached = await lookUpStepCache(deps, { runId, stage: 'split', key, enabled: cache !== false });
        if (cached) {
          const train = await cached.artifact('train_split');
          const evalSide = await cached.artifact('eval_split');
          if (train && (evalSide || cached.report.evalRecords === 0)) {
            await recordLineage(deps.db, { fromArtifactId: dataset.artifactId, toArtifactId: train.artifactId, relation: 'train_split_of', runId, stage: 'split' });
            if (evalSide) await recordLineage(deps.db, { fromArtifactId: dataset.artifactId, toArtifactId: evalSide.artifactId, relation: 'eval_split_of', runId, stage: 'split' });
            await cached.finish();
            return { train, eval: evalSide, report: cached.report };
          }
        }
        const dir = await scratchDir(deps, 'split');
        try {
          const files = { train: join(dir, 'train.jsonl'), eval: join(dir, 'eval.jsonl') };
          const out = { train: lineWriter(files.train), eval: lineWriter(files.eval) };
          const counts = { train: 0, eval: 0 };
          try {
            for await (const line of readLines(await store.get(shaFromObjectUri(dataset.uri)!), { maxLineBytes: 64 * 1024 * 1024 })) {
              progress.lines = line.number;
              if (line.problem) {
                // Ingest let no such line through; dropping or mangling a record here would change
                // the dataset without a word, so stop instead.
                const what = line.problem.kind === 'too-long' ? `is ${line.bytes} bytes, over the split's line limit` : `has invalid UTF-8 at byte offset ${line.problem.offset}`;
                throw ApplicationFailure.nonRetryable(`${dataset.uri} line ${line.number} ${what}; split expects a dataset that passed ingest`, 'DatasetInvalid');
              }
              if (line.text.trim() === '') continue;
              const side = isEvalRecord(line.text, split.seed, split.eval) ? 'eval' : 'train';
              counts[side] += 1;
              await out[side].write(line.text);
            }
            await Promise.all([out.train.close(), out.eval.close()]);
          } catch (err) {
            out.train.abandon();
            out.eval.abandon();
            throw scratchWriteFailure(err, deps, 'the train/eval split');
          }
          if (counts.train === 0) {
            throw ApplicationFailure.nonRetryable(`the split left no training records (${counts.eval} eval); lower split.eval or add data`, 'SplitEmpty');
          }
          const save = async (side: 'train' | 'eval') => {
            const stored = await store.put(createReadStream(files[side]));
            const artifactId = await recordArtifact(deps.db, {
              runId,
              kind: `${side}_split`,
              sha256: stored.sha256,
              uri: stored.uri,
              bytes: stored.bytes,
              mediaType: 'application/jsonl',
              producedByStage: 'split',
              metadata: { records: counts[side], evalFraction: split.eval, seed: split.seed },
            });
            await recordLineage(deps.db, { fromArtifactId: dataset.artifactId, toArtifactId: artifactId, relation: `${side}_split_of`, runId, stage: 'split' });
            return { artifactId, uri: stored.uri, sha256: stored.sha256, bytes: stored.bytes };
          };
          return {
            train: await save('train'),
            eval: counts.eval > 0 ? await save('eval') : null,
            report: { trainRecords: counts.train, evalRecords: counts.eval, eval: split.eval, seed: split.seed },
          };
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    },
  };
}
