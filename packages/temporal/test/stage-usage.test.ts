import { describe, expect, it } from 'vitest';
import { CpuShareMeter, noteTrainerStarted, reportTrainerCpu, trainerCpuSecondsOf } from '../src/stage-usage';

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
/** Uses `ms` of CPU time on this thread (CPU, not wall time: a busy test host does not shorten it). */
function burn(ms: number): void {
  const end = cpuSeconds() + ms / 1000;
  let x = 0;
  while (cpuSeconds() < end) x += Math.sqrt(x + 1);
}

describe('per-attempt CPU measurement', () => {
  it('gives a lone attempt the CPU the process used while it ran', () => {
    const meter = new CpuShareMeter(50);
    const before = cpuSeconds();
    const stop = meter.start();
    burn(300);
    const share = stop();
    const used = cpuSeconds() - before;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThanOrEqual(used + 1e-6);
    expect(share).toBeGreaterThan(used * 0.9);
  });

  it('splits the CPU of concurrent attempts so the shares add up to what the process used', async () => {
    const meter = new CpuShareMeter(20);
    const before = cpuSeconds();
    const stopA = meter.start();
    const stopB = meter.start();
    // A burns in slices (letting the sampler run); B is idle but overlaps it
    for (let i = 0; i < 10; i++) {
      burn(30);
      await new Promise((r) => setTimeout(r, 25));
    }
    const a = stopA();
    burn(100); // B alone now: all of this is B's
    const b = stopB();
    const used = cpuSeconds() - before;
    expect(a + b).toBeGreaterThan(used * 0.9);
    expect(a + b).toBeLessThanOrEqual(used + 1e-6);
    // the overlap was shared equally; B also had the last 100 ms alone
    expect(b).toBeGreaterThan(a);
    expect(b - a).toBeGreaterThan(0.08);
  });

  it("takes a GPU attempt's CPU from its trainer: 0 with no trainer, null when a started one never reported", () => {
    const none = {};
    expect(trainerCpuSecondsOf(none)).toBe(0);
    const killed = {};
    noteTrainerStarted(killed);
    expect(trainerCpuSecondsOf(killed)).toBeNull();
    const done = {};
    noteTrainerStarted(done);
    reportTrainerCpu(done, 12.5);
    expect(trainerCpuSecondsOf(done)).toBe(12.5);
  });
});
