import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrainingSpec, type TrainInput } from '@refinery/core';
import { trainCacheKey, trainerFingerprint } from '../src/train-cache';
import { TRAINER_DIR } from '../src/trainer-process';

const sha = (c: string) => `object://sha256/${c.repeat(64)}`;
const input = (edit: (i: TrainInput) => void = () => {}): TrainInput => {
  const i: TrainInput = {
    runId: 'run-a',
    baseModelUri: 'file://examples/models/tiny-llama',
    format: 'chat',
    train: { artifactId: 'art-train-a', uri: sha('a') },
    eval: { artifactId: 'art-eval-a', uri: sha('b') },
    training: TrainingSpec.parse({ maxSteps: 2 }),
    cache: true,
  };
  edit(i);
  return i;
};
const prints = { baseModel: 'c'.repeat(64), trainer: 'd'.repeat(64) };
const base = trainCacheKey(input(), prints);

describe('train step-cache key', () => {
  it('changes with every input the adapter depends on', () => {
    const changed: [string, string][] = [
      ['base model content', trainCacheKey(input(), { ...prints, baseModel: 'e'.repeat(64) })],
      ['trainer code', trainCacheKey(input(), { ...prints, trainer: 'e'.repeat(64) })],
      ['train split', trainCacheKey(input((i) => (i.train = { ...i.train, uri: sha('e') })), prints)],
      ['eval split', trainCacheKey(input((i) => (i.eval = { artifactId: 'x', uri: sha('e') })), prints)],
      ['no eval split', trainCacheKey(input((i) => (i.eval = null)), prints)],
      ['format', trainCacheKey(input((i) => (i.format = 'prompt_completion')), prints)],
      ['learning rate', trainCacheKey(input((i) => (i.training.learningRate = 1e-4)), prints)],
      ['seed', trainCacheKey(input((i) => (i.training.seed = 7)), prints)],
      ['epochs', trainCacheKey(input((i) => (i.training.epochs = 2)), prints)],
      ['max steps', trainCacheKey(input((i) => (i.training.maxSteps = 3)), prints)],
      ['lora r', trainCacheKey(input((i) => (i.training.lora = { ...i.training.lora, r: 8 })), prints)],
      ['lora targets', trainCacheKey(input((i) => (i.training.lora = { ...i.training.lora, targetModules: ['q_proj'] })), prints)],
      ['packing off', trainCacheKey(input((i) => (i.training.packing = false)), prints)],
      ['quantized base', trainCacheKey(input((i) => (i.training.quantizeBase = 'nf4')), prints)],
      ['method and dpo beta', trainCacheKey(input((i) => Object.assign(i, { format: 'preference', training: TrainingSpec.parse({ maxSteps: 2, method: 'dpo', dpo: { beta: 0.2 } }) })), prints)],
      ['canaries planted', trainCacheKey(input((i) => (i.canaries = 4)), prints)],
    ];
    for (const [what, key] of changed) expect(key, what).not.toBe(base);
    expect(new Set(changed.map(([, k]) => k)).size, 'all distinct').toBe(changed.length);
  });

  it('does not change with what does not change the adapter: run, artifact rows, placement, URIs, the cache flag', () => {
    const same: [string, string][] = [
      ['another run', trainCacheKey(input((i) => (i.runId = 'run-b')), prints)],
      ["this run's artifact rows for the same objects", trainCacheKey(input((i) => ((i.train = { ...i.train, artifactId: 'art-train-b' }), (i.eval = { ...i.eval!, artifactId: 'art-eval-b' }))), prints)],
      ['gpu pool and count', trainCacheKey(input((i) => (i.training.gpu = { pool: 'large', count: 4 })), prints)],
      ['the base model URI (its content is what counts)', trainCacheKey(input((i) => (i.baseModelUri = 'object://sha256/' + 'c'.repeat(64))), prints)],
      ['packing as it applies anyway (chat: on)', trainCacheKey(input((i) => (i.training.packing = true)), prints)],
      ['cache off (the key is recorded either way)', trainCacheKey(input((i) => (i.cache = false)), prints)],
      ['zero canaries written out', trainCacheKey(input((i) => (i.canaries = 0)), prints)],
    ];
    for (const [what, key] of same) expect(key, what).toBe(base);
  });
});

describe('trainer fingerprint', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("covers the trainer's Python sources and pinned requirements", async () => {
    const copy = mkdtempSync(join(tmpdir(), 'trainer-print-'));
    dirs.push(copy);
    cpSync(join(TRAINER_DIR, 'refinery_trainer'), join(copy, 'refinery_trainer'), { recursive: true, filter: (p) => !p.includes('__pycache__') });
    cpSync(join(TRAINER_DIR, 'requirements.txt'), join(copy, 'requirements.txt'));
    const real = await trainerFingerprint();
    expect(real).toMatch(/^[0-9a-f]{64}$/);
    expect(await trainerFingerprint(copy), 'a copy of the same code').toBe(real);
    writeFileSync(join(copy, 'refinery_trainer', 'recipes', 'extra.py'), '# a new module\n');
    const withModule = await trainerFingerprint(copy);
    expect(withModule).not.toBe(real);
    writeFileSync(join(copy, 'requirements.txt'), 'torch==0.0.1\n');
    expect(await trainerFingerprint(copy)).not.toBe(withModule);
    writeFileSync(join(copy, 'refinery_trainer', 'notes.txt'), 'not code');
    expect(await trainerFingerprint(copy), 'non-Python files are not code').toBe(await trainerFingerprint(copy));
  });
});
