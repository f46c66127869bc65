import { isTerminalRunStatus, type RunDetail } from '@refinery/core';
import type { RefineryApi } from '../api-client';
import { duration, stageLine, status } from '../format';
import { TrainingProgress } from './progress';

/**
 * Polls a run and prints each stage transition as it happens, until the run ends.
 * Resolves with the final run; the caller turns a failure into a non-zero exit code.
 */
export async function followRun(api: RefineryApi, id: string, opts: { json: boolean; intervalMs?: number }): Promise<RunDetail> {
  const seen = new Map<string, string>();
  const progress = new TrainingProgress(opts.json);
  let lastStatus = '';
  for (;;) {
    const run = await api.getRun(id);
    const training = run.stages.find((s) => s.stage === 'train');
    if (training) progress.update((await api.metrics(id, progress.afterStep)).points);
    for (const s of run.stages) {
      const key = `${s.stage}#${s.attempt}`;
      if (seen.get(key) === s.status) continue;
      seen.set(key, s.status);
      progress.finish();
      const said = s.error ?? (s.status === 'succeeded' ? stageLine(s) : null);
      emit(
        opts.json,
        { event: 'stage', stage: s.stage, attempt: s.attempt, status: s.status, durationMs: s.durationMs, error: s.error },
        `  ${s.stage}${s.attempt > 1 ? ` (attempt ${s.attempt})` : ''} ${status(s.status)}${s.durationMs !== null ? ` in ${duration(s.durationMs)}` : ''}${said ? `: ${said}` : ''}`,
      );
    }
    if (run.status !== lastStatus) {
      progress.finish();
      emit(opts.json, { event: 'run', id, status: run.status, error: run.error }, `run ${id} ${status(run.status)}${run.error ? `: ${run.error}` : ''}`);
      if (run.status === 'awaiting_approval') {
        const waiting = run.stages.filter((s) => s.stage === 'approval').at(-1);
        const line = waiting ? stageLine(waiting) : null;
        emit(opts.json, { event: 'awaiting_approval', id }, `  approval: ${line ?? 'waiting'}\n  a reviewer who did not submit the run decides with: refinery runs approve ${id} -m "why"  (or reject)`);
      }
      lastStatus = run.status;
    }
    if (isTerminalRunStatus(run.status)) return run;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000));
  }
}

function emit(json: boolean, event: object, text: string) {
  console.log(json ? JSON.stringify(event) : text);
}
