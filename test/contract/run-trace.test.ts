import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { RunDetail } from '@refinery/core';
import { RunHeader } from '@/components/run-detail/run-header';
import { runDetail } from '../../apps/cli/src/format';

/** A run's trace id where people look for it: the run page's header and `refinery runs get`. */
const run = (o: Partial<RunDetail>): RunDetail => ({
  id: 'run_1',
  project: 'demo',
  name: 'traced',
  submittedBy: 'user:u1',
  status: 'succeeded',
  currentStage: null,
  error: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:01.000Z',
  finishedAt: '2026-01-01T00:01:00.000Z',
  queue: null,
  traceId: null,
  traceUrl: null,
  spec: {},
  stages: [],
  artifacts: [],
  usage: { cpuSeconds: 0, gpuSeconds: 0, cost: 0, attempts: 0, unmeasuredAttempts: 0 },
  ...o,
});
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const header = (r: RunDetail) => renderToStaticMarkup(createElement(RunHeader, { run: r, now: 0 }));

describe("a run's trace", () => {
  it('the run page links the trace when the server has a URL template, shows the id without one, and nothing without a trace', () => {
    const linked = header(run({ traceId: TRACE, traceUrl: `https://jaeger.example/trace/${TRACE}` }));
    expect(linked).toContain(`<a href="https://jaeger.example/trace/${TRACE}" target="_blank" rel="noreferrer" class="text-emerald-800 underline" data-testid="run-trace-id">${TRACE}</a>`);
    const plain = header(run({ traceId: TRACE }));
    expect(plain).toContain(`<span data-testid="run-trace-id">${TRACE}</span>`);
    expect(header(run({}))).not.toContain('run-trace-id');
  });

  it('`refinery runs get` prints the trace id and its link', () => {
    expect(runDetail(run({ traceId: TRACE, traceUrl: `https://jaeger.example/trace/${TRACE}` })).split('\n')).toContain(`trace   ${TRACE}  https://jaeger.example/trace/${TRACE}`);
    expect(runDetail(run({})).split('\n').some((l) => l.startsWith('trace   '))).toBe(false);
  });
});
