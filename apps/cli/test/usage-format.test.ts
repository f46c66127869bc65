import { describe, expect, it } from 'vitest';
import type { ProjectUsage } from '@refinery/core';
import { projectUsageTable, usageLine } from '../src/format';

const totals = { cpuSeconds: 90, gpuSeconds: 7200, cost: 7.0025, attempts: 5, unmeasuredAttempts: 0 };

describe('refinery usage', () => {
  it('prints hours and cost, and says how many attempts went unmeasured', () => {
    expect(usageLine(totals)).toBe('CPU 0.03 h  GPU 2.00 h  cost 7.00');
    expect(usageLine({ ...totals, cpuSeconds: 3.6, gpuSeconds: 0, cost: 0.00004, unmeasuredAttempts: 1 })).toBe('CPU 0.0010 h  GPU 0.0000 h  cost 0.0000  (1 attempt unmeasured)');
  });

  it('lists each run, then the totals', () => {
    const usage: ProjectUsage = {
      project: 'demo',
      from: '2026-11-01T00:00:00.000Z',
      to: null,
      runs: [{ runId: 'run_a', name: 'support-bot', status: 'succeeded', createdAt: '2026-11-02T00:00:00.000Z', ...totals }],
      totals,
    };
    const lines = projectUsageTable(usage).split('\n');
    expect(lines[0]).toBe('usage of demo (attempts started from 2026-11-01T00:00:00.000Z)');
    expect(lines[1]).toMatch(/^ {2}support-bot +run_a {2}succeeded +CPU 0\.03 h {2}GPU 2\.00 h {2}cost 7\.00$/);
    expect(lines.at(-1)).toBe('total   CPU 0.03 h  GPU 2.00 h  cost 7.00');
    expect(projectUsageTable({ ...usage, from: null, runs: [], totals: { ...totals, cpuSeconds: 0, gpuSeconds: 0, cost: 0, attempts: 0 } })).toContain('(no stage attempts in this window)');
  });
});
