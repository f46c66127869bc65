import { describe, expect, it } from 'vitest';
import { packingFor, TrainingSpec } from '../src';

describe('training: packing, gradient checkpointing, QLoRA', () => {
  it('packs chat and prompt_completion data unless the spec says otherwise', () => {
    const defaults = TrainingSpec.parse({});
    expect(defaults.packing).toBeUndefined();
    expect(defaults.gradientCheckpointing).toBe(false);
    expect(defaults.quantizeBase).toBeUndefined();
    expect(packingFor(defaults, 'chat')).toBe(true);
    expect(packingFor(defaults, 'prompt_completion')).toBe(true);
    expect(packingFor(defaults, 'text')).toBe(false);
    expect(packingFor(defaults, 'preference')).toBe(false);
    expect(packingFor(TrainingSpec.parse({ packing: false }), 'chat')).toBe(false);
    expect(packingFor(TrainingSpec.parse({ packing: true }), 'text')).toBe(true);
  });

  it('takes quantizeBase nf4 and gradientCheckpointing, and refuses other values', () => {
    expect(TrainingSpec.parse({ quantizeBase: 'nf4', gradientCheckpointing: true })).toMatchObject({ quantizeBase: 'nf4', gradientCheckpointing: true });
    expect(TrainingSpec.safeParse({ quantizeBase: 'int8' }).success).toBe(false);
    expect(TrainingSpec.safeParse({ packing: 'yes' }).success).toBe(false);
    expect(TrainingSpec.safeParse({ gradientCheckpointing: 1 }).success).toBe(false);
  });
});
