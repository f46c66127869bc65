import type { MergeInput, MergeResult } from '@refinery/core';
import { stageDirectorySource } from '@refinery/storage';
import { join } from 'node:path';
import type { GpuDeps } from './deps';
import { runTrainerJob } from './job-runner';
import { fetchDirectory, storeDirectory } from './stored-outputs';
import { MERGE_PROTOCOL } from './trainer-events';

/** Merge the adapter into the base (trainer verb `merge`) and store the merged model. */
export function mergeActivities(deps: GpuDeps) {
  return {
    async mergeAdapter(input: MergeInput): Promise<MergeResult> {
      return runTrainerJob(deps, {
        runId: input.runId,
        protocol: MERGE_PROTOCOL,
        progress: { phase: 'starting' },
        prepare: async (paths) => ({
          base_model: await stageDirectorySource(input.baseModelUri, deps.sources, join(paths.scratch, 'base-model')),
          adapter_dir: await fetchDirectory(deps, input.adapter.uri, paths.scratch, 'adapter'),
          output_dir: paths.outputDir,
          device: 'auto',
        }),
        finish: async (done) => {
          const merged = await storeDirectory(deps, done.merged_dir, {
            runId: input.runId,
            stage: 'merge',
            kind: 'merged_model',
            metadata: { baseModel: input.baseModelUri, dtype: done.dtype, parameters: done.parameters, format: 'hf-safetensors' },
            from: [{ artifactId: input.adapter.artifactId, relation: 'merged_from' }],
          });
          return {
            merged,
            report: { parameters: done.parameters, dtype: done.dtype, bytes: merged.bytes, tokenizerFiles: done.tokenizer_files, seconds: done.seconds },
          };
        },
      });
    },
  };
}
