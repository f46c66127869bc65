import { describe, expect, it } from 'vitest';
import { dpoEvalPoint, dpoStepPoint, sftEvalPoint, sftStepPoint } from '../src/metric-points';
import { DPO_PROTOCOL, parseTrainerLine, TRAIN_PROTOCOL, TrainerProtocolError } from '../src/trainer-events';

// Lines as the trainer writes them (workers/trainer/PROTOCOL.md, Events).
const stepFields = { step: 3, total_steps: 12, epoch: 0.25, loss: 1.5, learning_rate: 0.001, tokens_per_second: 812.4, eta_seconds: 9.1 };
const line = (o: object) => JSON.stringify(o);

describe('training_metrics rows from trainer events', () => {
  it('an SFT step keeps its padding fraction, real-token throughput and peak memory, and no rewards', () => {
    const e = parseTrainerLine(TRAIN_PROTOCOL, line({ event: 'step', ...stepFields, padding_fraction: 0.0312, peak_memory_bytes: 734003200 }));
    if (e.event !== 'step') throw new Error(`parsed as ${e.event}`);
    const point = sftStepPoint('run-1', e);
    expect(point).toEqual({
      runId: 'run-1', kind: 'train', step: 3, epoch: 0.25, loss: 1.5, learningRate: 0.001, tokensPerSecond: 812.4, etaSeconds: 9.1, totalSteps: 12,
      paddingFraction: 0.0312, peakMemoryBytes: 734003200,
    });
    expect(point.rewardAccuracy).toBeUndefined();
  });

  it('refuses an SFT step without a padding fraction, or with one outside 0..1', () => {
    expect(() => parseTrainerLine(TRAIN_PROTOCOL, line({ event: 'step', ...stepFields, peak_memory_bytes: 1 }))).toThrow(TrainerProtocolError);
    expect(() => parseTrainerLine(TRAIN_PROTOCOL, line({ event: 'step', ...stepFields, padding_fraction: 1.2, peak_memory_bytes: 1 }))).toThrow(/does not match the protocol/);
  });

  it('an SFT eval is a loss with the run length', () => {
    const e = parseTrainerLine(TRAIN_PROTOCOL, line({ event: 'eval', step: 0, eval_loss: 10.95 }));
    if (e.event !== 'eval') throw new Error(`parsed as ${e.event}`);
    expect(sftEvalPoint('run-1', e, 12)).toEqual({ runId: 'run-1', kind: 'eval', step: 0, loss: 10.95, totalSteps: 12 });
  });

  it('DPO steps and evals carry reward accuracy and margin (null where TRL logged none), and no padding', () => {
    const step = parseTrainerLine(DPO_PROTOCOL, line({ event: 'step', ...stepFields, reward_accuracy: 0.75, reward_margin: 0.042 }));
    if (step.event !== 'step') throw new Error(`parsed as ${step.event}`);
    const point = dpoStepPoint('run-2', step);
    expect(point).toMatchObject({ kind: 'train', step: 3, loss: 1.5, tokensPerSecond: 812.4, rewardAccuracy: 0.75, rewardMargin: 0.042 });
    expect(point.paddingFraction).toBeUndefined();

    const evaluation = parseTrainerLine(DPO_PROTOCOL, line({ event: 'eval', step: 12, eval_loss: 0.61, reward_accuracy: null, reward_margin: null }));
    if (evaluation.event !== 'eval') throw new Error(`parsed as ${evaluation.event}`);
    expect(dpoEvalPoint('run-2', evaluation, 12)).toEqual({ runId: 'run-2', kind: 'eval', step: 12, loss: 0.61, totalSteps: 12, rewardAccuracy: null, rewardMargin: null });
  });
});
