import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { WITHHELD_MESSAGE } from '@refinery/core/log';
import { temporalLogFields } from '../src/log';

describe("Temporal's log attributes as Refinery's", () => {
  it('a stage activity: runId from the fineTuneRun workflow id, stage from the activity type, attempt; no task token', () => {
    const fields = temporalLogFields({
      sdkComponent: 'activity',
      attempt: 2,
      activityType: 'ingestDataset',
      activityId: '3',
      taskToken: 'c2VjcmV0',
      task_token: 'TaskToken(c2VjcmV0)',
      workflowId: 'run_abc',
      workflowRunId: '0194-temporal',
      workflowType: 'fineTuneRun',
      taskQueue: 'refinery-pipeline',
    });
    expect(fields).toMatchObject({ runId: 'run_abc', stage: 'ingest', attempt: 2, temporalRunId: '0194-temporal', activityType: 'ingestDataset' });
    expect(fields).not.toHaveProperty('taskToken');
    expect(fields).not.toHaveProperty('task_token');
  });

  it("a workflow log: Temporal's runId becomes temporalRunId; other workflows get no runId", () => {
    expect(temporalLogFields({ workflowId: 'run_abc', runId: '0194', workflowType: 'fineTuneRun' })).toMatchObject({ runId: 'run_abc', temporalRunId: '0194' });
    const schedule = temporalLogFields({ workflowId: 'refinery-audit-checkpoint-x', runId: '0195', workflowType: 'auditCheckpoint' });
    expect(schedule).not.toHaveProperty('runId');
    expect(schedule.temporalRunId).toBe('0195');
  });

  it("a failed stage activity logs the failure's type, never its message or details", () => {
    const error = ApplicationFailure.create({ type: 'DatasetInvalid', nonRetryable: true, message: 'line 3: Unexpected token in "kwame@example.com"', details: [{ errors: ['kwame@example.com'] }] });
    const fields = temporalLogFields({ activityType: 'ingestDataset', workflowId: 'run_abc', workflowType: 'fineTuneRun', attempt: 1, error });
    expect(fields.err).toMatchObject({ type: 'DatasetInvalid', nonRetryable: true, message: WITHHELD_MESSAGE });
    expect(JSON.stringify(fields)).not.toContain('kwame@example.com');
  });

  it('trace ids come only from the record (captured in the activity), overriding whatever span is active when it is written', () => {
    const traced = temporalLogFields({ workflowId: 'run_abc', workflowType: 'fineTuneRun', traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) });
    expect(traced).toMatchObject({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) });
    const untraced = temporalLogFields({ workflowId: 'run_abc', workflowType: 'fineTuneRun' });
    expect('traceId' in untraced && untraced.traceId === undefined).toBe(true);
  });

  it('an error outside any run keeps its message', () => {
    const fields = temporalLogFields({ activityType: 'auditCheckpoint', workflowId: 'refinery-audit-checkpoint', workflowType: 'auditCheckpoint', error: new Error('no signing key') });
    expect(fields.err).toMatchObject({ message: 'no signing key' });
  });
});
