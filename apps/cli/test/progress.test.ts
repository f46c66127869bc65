import { describe, expect, it } from 'vitest';
import { render, TrainingProgress } from '../src/commands/progress';

describe('training progress', () => {
  it('renders step/total, losses and ETA', () => {
    expect(render(50, 200, 1.23456, 1.5, 95)).toBe('  train ██████░░░░░░░░░░░░░░░░░░ 50/200  loss 1.2346  eval 1.5000  ETA 1m35s');
    expect(render(0, 0, null, null, null)).toBe('  train ░░░░░░░░░░░░░░░░░░░░░░░░ 0/0  loss -  ETA -');
  });

  it('adds real-token throughput and padding (SFT) or reward accuracy and margin (DPO) where reported', () => {
    expect(render(50, 200, 1.5, null, 95, { tokensPerSecond: 812.4, paddingFraction: 0.0312, rewardAccuracy: null, rewardMargin: null })).toBe(
      '  train ██████░░░░░░░░░░░░░░░░░░ 50/200  loss 1.5000  812 tok/s  pad 3.1%  ETA 1m35s',
    );
    expect(render(50, 200, 0.6, 0.65, 95, { tokensPerSecond: 400, paddingFraction: null, rewardAccuracy: 0.75, rewardMargin: 0.0421 })).toBe(
      '  train ██████░░░░░░░░░░░░░░░░░░ 50/200  loss 0.6000  eval 0.6500  reward acc 0.750  margin 0.042  400 tok/s  ETA 1m35s',
    );
  });

  it('remembers the last step so the next poll asks only for newer points', () => {
    const logs: string[] = [];
    const orig = console.log;
    console.log = (s: string) => logs.push(s);
    try {
      const p = new TrainingProgress(true, false);
      p.update([
        { kind: 'eval', step: 0, loss: 3, epoch: null, learningRate: null, tokensPerSecond: null, etaSeconds: null, totalSteps: 10, paddingFraction: null, peakMemoryBytes: null, rewardAccuracy: null, rewardMargin: null, at: '' },
        { kind: 'train', step: 1, loss: 2.5, epoch: 0.1, learningRate: 0.001, tokensPerSecond: 900, etaSeconds: 9, totalSteps: 10, paddingFraction: 0.25, peakMemoryBytes: 1024, rewardAccuracy: null, rewardMargin: null, at: '' },
      ]);
      expect(p.afterStep).toBe(1);
      expect(JSON.parse(logs[0]!)).toEqual({ event: 'progress', step: 1, totalSteps: 10, loss: 2.5, evalLoss: 3, etaSeconds: 9, tokensPerSecond: 900, paddingFraction: 0.25, rewardAccuracy: null, rewardMargin: null });
    } finally {
      console.log = orig;
    }
  });
});
