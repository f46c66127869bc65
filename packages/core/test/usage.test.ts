import { describe, expect, it } from 'vitest';
import { addTotals, attemptCost, gpuSecondsOf, PRICE_QUEUE_PATTERN, SetUsagePriceSchema, stageUsageOf, sumUsage, type AttemptUsageColumns } from '../src/usage';

const row = (o: Partial<AttemptUsageColumns>): AttemptUsageColumns => ({
  usageQueue: 'refinery-gpu-default',
  wallSeconds: 100,
  cpuSeconds: 50,
  cpuMeasure: 'trainer-rusage',
  gpus: 1,
  gpuSeconds: 100,
  gpuHourPrice: 3.6,
  cpuHourPrice: 0.36,
  ...o,
});

describe('cost accounting arithmetic', () => {
  it('GPU-seconds are wall time × GPUs held, 0 on a CPU-only host', () => {
    expect(gpuSecondsOf(90, 1)).toBe(90);
    expect(gpuSecondsOf(90, 4)).toBe(360);
    expect(gpuSecondsOf(90, 0)).toBe(0);
  });

  it('costs GPU-hours and CPU-hours at the recorded prices', () => {
    // 100 GPU-s = 1/36 h × 3.6 = 0.1; 50 CPU-s = 1/72 h × 0.36 = 0.005
    expect(attemptCost(row({}))).toBeCloseTo(0.105, 12);
    expect(attemptCost(row({ gpuSeconds: 0, gpus: 0 }))).toBeCloseTo(0.005, 12);
    // a part not measured counts 0; no prices recorded: no cost
    expect(attemptCost(row({ cpuSeconds: null }))).toBeCloseTo(0.1, 12);
    expect(attemptCost(row({ gpuHourPrice: null }))).toBeNull();
  });

  it('maps a row to the API shape, null when nothing was recorded', () => {
    expect(stageUsageOf(row({ wallSeconds: null }))).toBeNull();
    expect(stageUsageOf(row({}))).toEqual({
      queue: 'refinery-gpu-default',
      wallSeconds: 100,
      cpuSeconds: 50,
      cpuMeasure: 'trainer-rusage',
      gpus: 1,
      gpuSeconds: 100,
      gpuHourPrice: 3.6,
      cpuHourPrice: 0.36,
      cost: attemptCost(row({})),
    });
    expect(stageUsageOf(row({ cpuMeasure: 'guessed' }))!.cpuMeasure).toBeNull();
  });

  it('sums attempts, counting the unmeasured ones and leaving out running ones with nothing yet', () => {
    const measured = stageUsageOf(row({}))!;
    const cpuOnly = stageUsageOf(row({ usageQueue: 'refinery-pipeline', cpuMeasure: 'worker-share', gpus: 0, gpuSeconds: 0, cpuSeconds: 7.2 }))!;
    const killed = stageUsageOf(row({ cpuSeconds: null }))!;
    const totals = sumUsage([
      { status: 'succeeded', usage: cpuOnly },
      { status: 'failed', usage: null }, // its worker died before recording
      { status: 'failed', usage: killed }, // its trainer never reported its CPU time
      { status: 'succeeded', usage: measured },
      { status: 'running', usage: null }, // not finished: not counted yet
    ]);
    expect(totals.attempts).toBe(4);
    expect(totals.unmeasuredAttempts).toBe(2);
    expect(totals.cpuSeconds).toBeCloseTo(57.2, 12);
    expect(totals.gpuSeconds).toBe(200);
    expect(totals.cost).toBeCloseTo(cpuOnly.cost! + killed.cost! + measured.cost!, 12);
    expect(addTotals([totals, totals])).toEqual({ cpuSeconds: totals.cpuSeconds * 2, gpuSeconds: 400, cost: totals.cost * 2, attempts: 8, unmeasuredAttempts: 4 });
    expect(addTotals([])).toEqual({ cpuSeconds: 0, gpuSeconds: 0, cost: 0, attempts: 0, unmeasuredAttempts: 0 });
  });

  it('prices: non-negative numbers for the default, the pipeline or a GPU pool queue', () => {
    for (const q of ['*', 'refinery-pipeline', 'refinery-gpu-default', 'refinery-gpu-a100-80g']) expect(PRICE_QUEUE_PATTERN.test(q), q).toBe(true);
    for (const q of ['', 'default', 'refinery-gpu-', 'refinery-gpu-A100', 'refinery-pipeline2', '**']) expect(PRICE_QUEUE_PATTERN.test(q), q).toBe(false);
    expect(SetUsagePriceSchema.safeParse({ gpuHourPrice: 2.5, cpuHourPrice: 0 }).success).toBe(true);
    expect(SetUsagePriceSchema.safeParse({ gpuHourPrice: -1, cpuHourPrice: 0 }).success).toBe(false);
    expect(SetUsagePriceSchema.safeParse({ gpuHourPrice: 1 }).success).toBe(false);
    expect(SetUsagePriceSchema.safeParse({ gpuHourPrice: 1, cpuHourPrice: 1, currency: 'EUR' }).success).toBe(false);
  });
});
