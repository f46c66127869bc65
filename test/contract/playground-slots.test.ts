import { describe, expect, it } from 'vitest';
import { ProjectSlots } from '../../apps/web/lib/server/playground';

describe('playground slots', () => {
  it('bounds turns per project, frees a slot once, and keeps projects apart', () => {
    const slots = new ProjectSlots(1);
    const first = slots.take('demo');
    expect(first).toBeTypeOf('function');
    expect(slots.take('demo')).toBeNull(); // the limit is 1 per project
    expect(slots.take('other')).toBeTypeOf('function');
    first!();
    first!(); // releasing twice frees one slot, not two
    const again = slots.take('demo');
    expect(again).toBeTypeOf('function');
    expect(slots.take('demo')).toBeNull();
  });
});
