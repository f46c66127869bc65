import { describe, expect, it } from 'vitest';
import { ENTITY_TYPES, RedactionPolicySchema, policyHash, redactJsonl, secondOpinionJsonl, verifyJsonl, type RedactionPolicyInput } from '../src/index';

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

// Support chat: names appear mid-sentence, after sign-offs and at sentence starts; ordinary
// capitalised words (sentence starts, "Monday", "Germany") also appear in lower case or are CLDR names.
const dataset = [
  { text: 'Hello, my order has not arrived yet and the tracking page is empty.' },
  { text: 'I spoke with Chidinma Eze on Monday and she said the refund was approved.' },
  { text: 'The package was sent to Germany. Please check the order again.' },
  { text: 'Thanks for the help, the refund arrived. Best regards, Tomasz Wieczorek' },
  { text: 'Could you call me back? My SSN is 123-45-6789 for the account check.' },
  { text: 'Write to chidinma.eze@mailbox.ng if the package is lost again.' },
  { text: 'Mi DNI es 48213377H y el pedido llegó roto.' },
  { text: 'The order was late again, please help.' },
].map((r) => JSON.stringify(r));

describe('second opinion (independent of the detectors)', () => {
  it('flags the residue of an engine blinded to PERSON, with line numbers and no values', async () => {
    const policy = { entities: ENTITY_TYPES.filter((t) => t !== 'PERSON') } satisfies RedactionPolicyInput;
    const redacted = await collect(redactJsonl(dataset, { policy, format: 'text' }));
    // The engine's own re-scan with the same blind spot sees nothing.
    const rescan = await verifyJsonl(redacted, { policy, format: 'text' });
    expect(rescan.clean).toBe(true);

    const opinion = await secondOpinionJsonl(() => redacted, { format: 'text' });
    const personLines = opinion.suspicions.filter((s) => s.type === 'PERSON').map((s) => s.line);
    expect(personLines).toEqual([2, 4]);
    expect(opinion.suspicionsByType).toEqual({ PERSON: 2 });
    expect(opinion.onSuspicion).toBe('review');
    const serialized = JSON.stringify(opinion);
    for (const value of ['Chidinma', 'Eze', 'Tomasz', 'Wieczorek']) expect(serialized).not.toContain(value);
  });

  it('flags emails and identity numbers left by an engine blinded to EMAIL, US_SSN and NATIONAL_ID', async () => {
    const policy = { entities: ENTITY_TYPES.filter((t) => !['EMAIL', 'US_SSN', 'NATIONAL_ID'].includes(t)) } satisfies RedactionPolicyInput;
    const redacted = await collect(redactJsonl(dataset, { policy, format: 'text' }));
    const opinion = await secondOpinionJsonl(() => redacted, { format: 'text', onSuspicion: 'fail' });
    expect(opinion.suspicions.filter((s) => s.type !== 'PERSON')).toEqual([
      { line: 5, type: 'NATIONAL_ID', field: 'text' },
      { line: 6, type: 'EMAIL', field: 'text' },
      { line: 7, type: 'NATIONAL_ID', field: 'text' },
    ]);
    expect(opinion.onSuspicion).toBe('fail');
    expect(JSON.stringify(opinion)).not.toMatch(/48213377|6789|mailbox/);
  });

  it.each(['mask', 'hash', 'pseudonymize'] as const)('has nothing to say after a full %s redaction', async (action) => {
    const options = { policy: { action } satisfies RedactionPolicyInput, format: 'text' as const, projectKey: 'k' };
    const redacted = await collect(redactJsonl(dataset, options));
    const opinion = await secondOpinionJsonl(() => redacted, { format: 'text' });
    expect(opinion.suspicions).toEqual([]);
    expect(opinion.suspicionCount).toBe(0);
    expect(opinion.recordsScanned).toBe(dataset.length);
  });

  it('learns from the dataset: a capitalised word also written in lower case is not a name', async () => {
    const lines = [{ text: 'We shipped it with Express delivery.' }, { text: 'please use express delivery next time' }].map((r) => JSON.stringify(r));
    expect((await secondOpinionJsonl(() => lines, { format: 'text' })).suspicionCount).toBe(0);
    // Without the lower-case use, "Express" reads as a proper name: the check is statistical, not a list.
    expect((await secondOpinionJsonl(() => lines.slice(0, 1), { format: 'text' })).suspicionsByType).toEqual({ PERSON: 1 });
  });

  it('reads German nouns after articles as nouns, not names', async () => {
    const lines = ['Die Rechnung ist falsch, bitte prüfen Sie die Rechnung.', 'Der Techniker kommt am Montag, sagt Jürgen Wuttke.'].map((text) => JSON.stringify({ text }));
    const opinion = await secondOpinionJsonl(() => lines, { format: 'text' });
    expect(opinion.suspicions).toEqual([{ line: 2, type: 'PERSON', field: 'text' }]);
  });

  it('caps the list but counts every suspicion, and reads chat fields', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `please forward this to Zbigniewa${String.fromCharCode(97 + (i % 26))} now` }] }));
    const opinion = await secondOpinionJsonl(() => lines, { format: 'chat', maxSuspicions: 5 });
    expect(opinion.suspicionCount).toBe(30);
    expect(opinion.suspicions).toHaveLength(5);
    expect(opinion.suspicionsTruncated).toBe(true);
    expect(opinion.suspicions[0]).toEqual({ line: 1, type: 'PERSON', field: 'messages[user].content' });
  });

  it('runs in linear time on adversarial text', async () => {
    const text = `${'A1 '.repeat(100_000)}${'x@'.repeat(50_000)}${'Ab '.repeat(100_000)}`;
    const started = performance.now();
    await secondOpinionJsonl(() => [JSON.stringify({ text })], { format: 'text', maxInputBytes: 4_000_000 });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('is a policy setting that defaults to review and does not change the policy hash', () => {
    expect(RedactionPolicySchema.parse({}).secondOpinion).toBe('review');
    expect(RedactionPolicySchema.parse({ secondOpinion: 'fail' }).secondOpinion).toBe('fail');
    expect(() => RedactionPolicySchema.parse({ secondOpinion: 'maybe' })).toThrow();
    expect(policyHash(RedactionPolicySchema.parse({ secondOpinion: 'fail' }))).toBe(policyHash(RedactionPolicySchema.parse({})));
  });
});
