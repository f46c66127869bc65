import { describe, expect, it } from 'vitest';
import { metric, METRICS, metricsRegistry, metricsTokenAccepted } from '../src/metrics';

describe('metrics', () => {
  it('accepts exactly `Bearer <token>`', () => {
    const token = 'a'.repeat(40);
    expect(metricsTokenAccepted(token, `Bearer ${token}`)).toBe(true);
    expect(metricsTokenAccepted(token, `bearer ${token}`)).toBe(true);
    for (const wrong of [undefined, null, '', token, `Bearer ${token}b`, `Bearer ${token.slice(1)}`, 'Bearer ', `Basic ${token}`]) {
      expect(metricsTokenAccepted(token, wrong), String(wrong)).toBe(false);
    }
  });

  it('keeps one instance of each metric per process, named as defined', async () => {
    expect(metric(METRICS.stageDuration)).toBe(metric(METRICS.stageDuration));
    metric(METRICS.stageDuration).observe({ stage: 'ingest', outcome: 'succeeded' }, 2);
    const text = await metricsRegistry().metrics();
    expect(text).toContain('refinery_stage_duration_seconds_count{stage="ingest",outcome="succeeded"} 1');
    expect(text).toContain('process_cpu_seconds_total');
    for (const m of Object.values(METRICS)) expect(m.name).toMatch(/^refinery_[a-z_]+$/);
  });
});
