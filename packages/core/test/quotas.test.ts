import { describe, expect, it } from 'vitest';
import { grantWaiting, ProjectQuotaLimitsSchema, queuePositions, queueReason, UNLIMITED, type SemaphoreState, type SlotRequest } from '../src/quotas';

const req = (runId: string, resource: SlotRequest['resource'], priority: number, seq: number): SlotRequest => ({ runId, resource, priority, seq, queuedAt: '2026-11-30T00:00:00.000Z' });
const state = (waiting: SlotRequest[], holders: SemaphoreState['holders'] = {}): SemaphoreState => ({ holders, waiting, nextSeq: waiting.length });

describe('grantWaiting', () => {
  it('lets everyone through without limits', () => {
    const s = state([req('a', 'runs', 50, 0), req('b', 'gpu:default', 50, 1)]);
    expect(grantWaiting(s, UNLIMITED).map((r) => r.runId)).toEqual(['a', 'b']);
    expect(s.waiting).toEqual([]);
    expect(s.holders).toEqual({ runs: ['a'], 'gpu:default': ['b'] });
  });

  it('fills free slots highest priority first, then first come, per resource', () => {
    const s = state([req('early-low', 'gpu:default', 10, 0), req('late-high', 'gpu:default', 90, 2), req('mid', 'gpu:default', 50, 1), req('other-pool', 'gpu:large', 1, 3)], { 'gpu:default': ['running'] });
    const granted = grantWaiting(s, { maxConcurrentRuns: null, gpuSlots: { default: 2 } });
    expect(granted.map((r) => r.runId)).toEqual(['late-high', 'other-pool']);
    expect(s.waiting.map((r) => r.runId)).toEqual(['mid', 'early-low']);
    expect(s.holders['gpu:default']).toEqual(['running', 'late-high']);
  });

  it('equal priorities go in order of arrival', () => {
    const s = state([req('second', 'runs', 50, 1), req('first', 'runs', 50, 0)]);
    expect(grantWaiting(s, { maxConcurrentRuns: 1, gpuSlots: {} }).map((r) => r.runId)).toEqual(['first']);
  });

  it('a limit of 0 lets nobody through; lowering a limit below what is held takes nothing back', () => {
    const paused = state([req('a', 'runs', 50, 0)]);
    expect(grantWaiting(paused, { maxConcurrentRuns: 0, gpuSlots: {} })).toEqual([]);
    const over = state([req('c', 'runs', 99, 0)], { runs: ['a', 'b'] });
    expect(grantWaiting(over, { maxConcurrentRuns: 1, gpuSlots: {} })).toEqual([]);
    expect(over.holders.runs).toEqual(['a', 'b']);
  });
});

describe('queue positions and reasons', () => {
  it('numbers each resource line from 1 in the order it will be let through', () => {
    const s = state([req('low', 'runs', 1, 0), req('gpu', 'gpu:default', 50, 1), req('high', 'runs', 90, 2)]);
    const positions = queuePositions(s);
    expect(s.waiting.map((r) => [r.runId, positions.get(r)])).toEqual([['low', 2], ['gpu', 1], ['high', 1]]);
  });

  it('says why in words a user can act on', () => {
    expect(queueReason('acme', 'runs', 2)).toBe('project acme is at its limit of 2 concurrent runs');
    expect(queueReason('acme', 'runs', 0)).toBe('project acme is paused: its limit of concurrent runs is 0');
    expect(queueReason('acme', 'gpu:large', 1)).toBe('project acme is using all 1 of its GPU slot in pool large');
    expect(queueReason('acme', 'gpu:large', 0)).toBe('project acme may not use GPU pool large (its limit there is 0)');
  });
});

describe('ProjectQuotaLimitsSchema', () => {
  it('accepts limits and refuses unknown fields, negative slots and bad pool names', () => {
    expect(ProjectQuotaLimitsSchema.safeParse({ maxConcurrentRuns: 3, gpuSlots: { default: 1, 'h100-large': 0 } }).success).toBe(true);
    expect(ProjectQuotaLimitsSchema.safeParse({ maxConcurrentRuns: null, gpuSlots: {} }).success).toBe(true);
    expect(ProjectQuotaLimitsSchema.safeParse({ maxConcurrentRuns: -1, gpuSlots: {} }).success).toBe(false);
    expect(ProjectQuotaLimitsSchema.safeParse({ maxConcurrentRuns: 1, gpuSlots: { '../etc': 1 } }).success).toBe(false);
    expect(ProjectQuotaLimitsSchema.safeParse({ maxConcurrentRuns: 1, gpuSlots: {}, burst: 4 }).success).toBe(false);
  });
});
