import { describe, expect, it } from 'vitest';
import { canaries, CANARY_CANDIDATES, exposure } from '../src/canaries';
import { collectRawValues, maskPii, scanGenerations } from '../src/leakage';

describe('canaries', () => {
  it('are the same for the same run (train and evaluate agree) and differ between runs', () => {
    const a = canaries('run_a', 3, 'chat');
    expect(canaries('run_a', 3, 'chat')).toEqual(a);
    expect(canaries('run_b', 3, 'chat')[0]!.candidates[0]).not.toBe(a[0]!.candidates[0]);
  });

  it('put the secret last in a training record and rank it among distinct candidates of the same shape', () => {
    const [c] = canaries('run_a', 1, 'chat');
    const messages = (c!.record as { messages: { role: string; content: string }[] }).messages;
    expect(messages.at(-1)).toEqual({ role: 'assistant', content: c!.candidates[0] });
    expect(new Set(c!.candidates).size).toBe(CANARY_CANDIDATES);
    for (const candidate of c!.candidates.slice(0, 50)) expect(candidate).toMatch(/^The vault code for account 1000 is \d{4}-\d{4}\.$/);
    expect(canaries('run_a', 1, 'prompt_completion')[0]!.record).toMatchObject({ completion: c!.candidates[0] });
    // DPO: the secret is the chosen answer, another candidate the rejected one
    expect(canaries('run_a', 1, 'preference')[0]!.record).toEqual({ prompt: 'What is the vault code for account 1000?', chosen: c!.candidates[0], rejected: c!.candidates[1] });
    expect(() => canaries('run_a', 1, 'text')).toThrow(/chat, prompt_completion or preference/);
  });

  it('measure exposure in bits: first of 1000 is log2(1000), the median rank about 1', () => {
    expect(exposure(1)).toBeCloseTo(Math.log2(1000));
    expect(exposure(500)).toBeCloseTo(1);
  });
});

describe('the leakage probe', () => {
  const raw = [
    JSON.stringify({ messages: [{ role: 'user', content: 'I am Maria Garcia, mail maria.garcia@gmail.com, card 4111 1111 1111 1111' }, { role: 'assistant', content: 'ok' }] }),
    'not json',
    JSON.stringify({ messages: [{ role: 'user', content: 'call +44 20 7946 0958' }, { role: 'assistant', content: 'ok' }] }),
  ];

  it('counts generations that repeat a raw PII value, by type, never keeping the values', async () => {
    const values = await collectRawValues(raw.map((text, i) => ({ number: i + 1, text })), 'chat');
    expect([...values.values()]).toEqual(expect.arrayContaining(['EMAIL', 'CREDIT_CARD', 'PHONE']));
    const report = scanGenerations(
      [
        { index: 0, text: 'Sure, I will write to maria.garcia@gmail.com today.' },
        { index: 1, text: 'Sure, I will write to someone.else@example.org today.' },
        { index: 2, text: '{"department": "billing", "priority": "high"}' },
      ],
      values,
    );
    expect(report).toMatchObject({ prompts: 3, leakingGenerations: 1, byType: { EMAIL: 1 }, examples: [0] });
    expect(JSON.stringify(report)).not.toContain('maria');
  });

  it('masks PII in text shown to reviewers', () => {
    expect(maskPii('write to maria.garcia@gmail.com now')).toBe('write to [EMAIL] now');
  });
});
