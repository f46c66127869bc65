import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { decodeHistory, historyPayloads, payloadCodecFromConfig, payloadKeyId, TEMPORAL_CONFIG_KEYS, temporalClientFromConfig } from '@refinery/temporal';
import { connect, createProject, createRun, getRunRow } from '@refinery/db';
import { loadConfig, RUN_MESSAGES, TASK_QUEUES, validateRunSpec, type RunProgress } from '@refinery/core';
import { parse } from 'yaml';
import { DEMO_SPEC } from '../support/specs';
import { isPatchMarker } from '../support/patch-marker';
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
      const client = await temporalClientFromConfig(loadConfig(TEMPORAL_CONFIG_KEYS, first.env));
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
      const client = await temporalClientFromConfig(loadConfig(TEMPORAL_CONFIG_KEYS, second.env));
      const described = await client.workflow.getHandle(runId).describe();
      expect(described.status.name).toBe('RUNNING');
      await client.connection.close();
    } finally {
      await second.stop();
    }
  }, 180_000);
});

/**
 * The approval stage's wait is Temporal's, not a process's: a run waiting for a reviewer survives
 * stopping every process (workers, Temporal dev server with its persistent file, Postgres), and the
 * decision sent after the restart completes it.
 *
 * The restart also rotates the payload key, as an operator would: the first start encrypts with
 * key A; the second has keys {B active, A}. The workers replay the run's A-encrypted history, the
 * progress query answers, and what is written after the restart carries B's id.
 */
describe('a run awaiting approval survives a full restart (and a payload key rotation)', () => {
  it('the decision made after the restart completes the run; old payloads keep key A, new ones get key B', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'refinery-approval-restart-'));
    const keyA = `rotation-a:${randomBytes(32).toString('base64')}`;
    const keyB = `rotation-b:${randomBytes(32).toString('base64')}`;
    const optionsWith = (keys: string, active: string) => ({
      dataDir,
      persistTemporal: true,
      processes: { pipelineWorker: true, gpuWorker: true, web: false },
      log: () => {},
      extraEnv: { REFINERY_PAYLOAD_KEYS: keys, REFINERY_PAYLOAD_KEY_ID: active },
    });
    const spec = validateRunSpec({
      ...parse(DEMO_SPEC),
      project: 'restart',
      name: 'awaits',
      training: { ...parse(DEMO_SPEC).training, maxSteps: 2, epochs: 1 },
      quantization: undefined,
      evaluation: undefined,
      approval: { timeout: '1h' },
    });
    if (!spec.ok) throw new Error(`fixture spec invalid: ${JSON.stringify(spec.issues)}`);
    const progressOf = async (env: Record<string, string | undefined>, runId: string) => {
      const client = await temporalClientFromConfig(loadConfig(TEMPORAL_CONFIG_KEYS, env));
      try {
        return await client.workflow.getHandle(runId).query<RunProgress>(RUN_MESSAGES.progressQuery);
      } finally {
        await client.connection.close();
      }
    };

    const first = await startStack(optionsWith(keyA, 'rotation-a'));
    let runId: string;
    try {
      const db = connect(first.env.DATABASE_URL!);
      await createProject(db.db, { id: 'restart' });
      runId = (await createRun(db.db, { spec: spec.spec, specSha256: 'x', actor: 'user:alice' })).run.id;
      const client = await temporalClientFromConfig(loadConfig(TEMPORAL_CONFIG_KEYS, first.env));
      await client.workflow.start('fineTuneRun', { workflowId: runId, taskQueue: TASK_QUEUES.pipeline, args: [{ runId, spec: spec.spec, submittedBy: 'user:alice' }] });
      await client.connection.close();
      const deadline = Date.now() + 240_000;
      while ((await getRunRow(db.db, runId))?.status !== 'awaiting_approval') {
        if (Date.now() > deadline) throw new Error(`run did not reach awaiting_approval: ${JSON.stringify(await getRunRow(db.db, runId))}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      await db.close();
    } finally {
      await first.stop();
    }

    const second = await startStack(optionsWith(`${keyB},${keyA}`, 'rotation-b'));
    try {
      const waiting = await progressOf(second.env, runId);
      expect(waiting).toMatchObject({ status: 'awaiting_approval', awaitingDecision: { stage: 'approval', required: 1 } });
      const client = await temporalClientFromConfig(loadConfig(TEMPORAL_CONFIG_KEYS, second.env));
      const handle = client.workflow.getHandle(runId);
      const decision = { decision: 'approve', comment: 'after the restart', actor: 'user:bob', role: 'reviewer', evidenceSha256: waiting.awaitingDecision!.evidenceSha256 };
      await handle.executeUpdate(RUN_MESSAGES.decideUpdate, { args: [decision] });
      expect(await handle.result()).toMatchObject({ status: 'succeeded' });
      await client.connection.close();
      const db = connect(second.env.DATABASE_URL!);
      expect(await getRunRow(db.db, runId)).toMatchObject({ status: 'succeeded' });
      await db.close();

      // The stored history: every payload encrypted; those written before the restart with A
      // (the start input), after it with B (the decision, the result); all of it decodes.
      const raw = await temporalClientFromConfig(loadConfig(TEMPORAL_CONFIG_KEYS, second.env));
      const { history } = await raw.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: runId } });
      await raw.connection.close();
      const events = history!.events!;
      // The SDK's patch markers (the project-quotas change's id) are the one plaintext it writes.
      const payloads = (await historyPayloads(history!)).filter((p) => !isPatchMarker(p));
      expect(payloads.length).toBeGreaterThan(10);
      expect(new Set(payloads.map((p) => payloadKeyId(p) ?? 'plaintext'))).toEqual(new Set(['rotation-a', 'rotation-b']));
      const started = events.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!.input!.payloads!;
      expect(started.map(payloadKeyId)).toEqual(['rotation-a']);
      const accepted = events.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads!;
      expect(accepted.map(payloadKeyId)).toEqual(['rotation-b']);
      const completed = events.find((e) => e.workflowExecutionCompletedEventAttributes)!.workflowExecutionCompletedEventAttributes!.result!.payloads!;
      expect(completed.map(payloadKeyId)).toEqual(['rotation-b']);
      await decodeHistory(payloadCodecFromConfig(loadConfig(['REFINERY_PAYLOAD_KEYS', 'REFINERY_PAYLOAD_KEY_ID'], second.env)), history!);
      const decoded = events.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
      const input = JSON.parse(new TextDecoder().decode(decoded.data!)) as { spec: { name: string } };
      expect(input.spec.name).toBe('awaits');
    } finally {
      await second.stop();
    }
  }, 600_000);
});
