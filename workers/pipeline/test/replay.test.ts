import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { FAILURE_CONVERTER_PATH, temporalWorkerDataConverterFromConfig, WORKFLOW_TRACING_INTERCEPTORS } from '@refinery/temporal/worker';
import { WORKFLOWS_PATH } from '../src/worker';

/**
 * Replays recorded histories of real runs against the current workflow code. A change that
 * would make a run in flight take a different path (a reordered, added or removed stage call,
 * changed activity options) fails here with a non-determinism error instead of breaking runs in
 * production. After an intended change, version it with `patched()` or re-record the histories
 * (test/workflow/record-histories.ts) and say so in the commit.
 */
const HISTORIES = new URL('./histories/', import.meta.url);
const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json')).sort();
let workflowBundle: WorkflowBundleWithSourceMap;
/** As the production pipeline worker bundles it: with the failure converter that encodes messages. */
let encryptingBundle: WorkflowBundleWithSourceMap;
/** As a pipeline worker with tracing on bundles it: also Temporal's OpenTelemetry workflow interceptors. */
let tracingBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  const logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger });
  encryptingBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger });
  tracingBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, workflowInterceptorModules: [WORKFLOW_TRACING_INTERCEPTORS], logger });
}, 240_000);

describe('fineTuneRun replays recorded histories', () => {
  it('has a history for each path a run takes', () => {
    expect(files).toEqual(['cancelled-while-training-run.json', 'data-only-run.json', 'demo-run.json', 'invalid-dataset-run.json']);
  });

  it.each(files)('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(new URL(file, HISTORIES), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle }, history, file);
  });

  // A worker with the payload encryption codec and failure converter (every real one) still
  // replays the plaintext histories of runs started before encryption was enabled.
  it.each(files)('%s, on a worker with the encryption codec', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(new URL(file, HISTORIES), 'utf8')));
    const dataConverter = temporalWorkerDataConverterFromConfig({ REFINERY_PAYLOAD_KEYS: `replay:${randomBytes(32).toString('base64')}`, REFINERY_PAYLOAD_KEY_ID: 'replay' });
    await Worker.runReplayHistory({ workflowBundle: encryptingBundle, dataConverter }, history, file);
  });

  // Turning tracing on (OTEL_EXPORTER_OTLP_ENDPOINT) must not break runs already in flight: a worker
  // with the OpenTelemetry interceptors replays the histories of runs started without them.
  it.each(files)('%s, on a worker with tracing on', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(new URL(file, HISTORIES), 'utf8')));
    const dataConverter = temporalWorkerDataConverterFromConfig({ REFINERY_PAYLOAD_KEYS: `replay:${randomBytes(32).toString('base64')}`, REFINERY_PAYLOAD_KEY_ID: 'replay' });
    await Worker.runReplayHistory({ workflowBundle: tracingBundle, dataConverter }, history, file);
  });
});
