import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporalClientFromConfig } from '@refinery/temporal';
import { connect, createProject, createRun, getRunRow } from '@refinery/db';
import { validateRunSpec } from '@refinery/core';
import { startStack } from '../../infra/src';

/** A second start on the same data directory finds the first start's Postgres rows and Temporal history. */
describe('the embedded stack keeps its data across restarts', () => {
  it('Postgres rows and Temporal workflows survive stop + start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'refinery-restart-'));
    const options = { dataDir, persistTemporal: true, processes: { pipelineWorker: false, gpuWorker: false, web: false }, log: () => {} };
    const spec = validateRunSpec({
      apiVersion: 'refinery/v1',
      kind: 'FineTuneRun',
      project: 'restart',
      name: 'kept',
      baseModel: { uri: 'file://examples/models/tiny-llama' },
      dataset: { uri: 'file://examples/datasets/support-tickets.jsonl', format: 'chat' },
    });
    if (!spec.ok) throw new Error('fixture spec invalid');

    const first = await startStack(options);
    let runId: string;
    try {
      const db = connect(first.env.DATABASE_URL!);
      await createProject(db.db, { id: 'restart' });
      runId = (await createRun(db.db, { spec: spec.spec, specSha256: 'x', actor: 'system:test' })).run.id;
      await db.close();
      const client = await temporalClientFromConfig({ TEMPORAL_ADDRESS: first.env.TEMPORAL_ADDRESS!, TEMPORAL_NAMESPACE: 'default' });
      // Nobody polls this queue: the workflow stays open, as a run would across a restart.
      await client.workflow.start('fineTuneRun', { workflowId: runId, taskQueue: 'nobody-polls', args: [{ runId, spec: spec.spec, submittedBy: 'system:test' }] });
      await client.connection.close();
    } finally {
      await first.stop();
    }

    const second = await startStack(options);
    try {
      const db = connect(second.env.DATABASE_URL!);
      expect(await getRunRow(db.db, runId)).toMatchObject({ name: 'kept', submittedBy: 'system:test' });
      await db.close();
      const client = await temporalClientFromConfig({ TEMPORAL_ADDRESS: second.env.TEMPORAL_ADDRESS!, TEMPORAL_NAMESPACE: 'default' });
      const described = await client.workflow.getHandle(runId).describe();
      expect(described.status.name).toBe('RUNNING');
      await client.connection.close();
    } finally {
      await second.stop();
    }
  }, 180_000);
});
