import { describe, expect, it } from 'vitest';
import { ENTITY_TYPES, redactJsonl, verifyJsonl, type RedactionPolicyInput } from '../src/index';

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

const records = [
  { text: 'Dear John Smith, reach me at john.smith@gmail.com or (415) 867-5309.' },
  { text: 'Card 4111 1111 1111 1111, SSN 123-45-6789, IBAN GB29 NWBK 6016 1331 9268 19.' },
  { text: 'Server 10.0.0.7 and 2001:4860:4860::8888, creds postgres://app:Sup3r@db/x, key AKIAIOSFODNN7EXAMPLE.' },
  { text: 'I was born on 07/14/1990 and live at 742 Evergreen Terrace. Regards,\nMargaret Okafor' },
].map((r) => JSON.stringify(r));

describe('verifyJsonl', () => {
  it.each(['mask', 'hash', 'pseudonymize'] as const)('finds no residuals after %s', async (action) => {
    const options = { policy: { action } satisfies RedactionPolicyInput, format: 'text' as const, projectKey: 'k' };
    const redacted = await collect(redactJsonl(records, options));
    const result = await verifyJsonl(redacted, options);
    expect(result.residuals).toEqual([]);
    expect(result.clean).toBe(true);
    expect(result.recordsScanned).toBe(records.length);
  });

  it('a pseudonymized address keeps no word of the real street name (only a real street type survives)', async () => {
    const lines = ['Send it to 189 Rue de la Paix, Springfield IL 62704.', 'I moved to 42 Elm Avenue last week.'].map((text) => JSON.stringify({ text }));
    const options = { policy: { action: 'pseudonymize' } satisfies RedactionPolicyInput, format: 'text' as const };
    // Many keys: the fake street name is keyed, and a kept word could form a name with some of them.
    for (let k = 0; k < 40; k++) {
      const redacted = await collect(redactJsonl(lines, { ...options, projectKey: `key-${k}` }));
      expect(redacted[0]).not.toMatch(/Paix|Rue/);
      expect(redacted[1]).toMatch(/\d+ \w+ Avenue/);
      expect((await verifyJsonl(redacted, { ...options, projectKey: `key-${k}` })).residuals).toEqual([]);
    }
  });

  it('reports residuals by line, type and field — never the value', async () => {
    const policy = { entities: ENTITY_TYPES.filter((t) => t !== 'EMAIL') };
    const redacted = await collect(redactJsonl(records, { policy, format: 'text' }));
    const result = await verifyJsonl(redacted, { policy, format: 'text', entities: [...ENTITY_TYPES] });
    expect(result.clean).toBe(false);
    expect(result.residuals).toEqual([{ line: 1, type: 'EMAIL', field: 'text' }]);
    expect(JSON.stringify(result)).not.toContain('gmail');
  });

  it('flags raw input as residual-rich and caps the list while counting all', async () => {
    const result = await verifyJsonl(records, { policy: {}, format: 'text', maxResiduals: 3 });
    expect(result.residuals).toHaveLength(3);
    expect(result.residualsTruncated).toBe(true);
    expect(result.residualCount).toBeGreaterThan(10);
  });

  it('pseudonyms look real but are recognized as surrogates', async () => {
    const [line] = await collect(redactJsonl([records[0]], { policy: { action: 'pseudonymize' }, format: 'text', projectKey: 'k' }));
    const text: string = JSON.parse(line).text;
    expect(text).toMatch(/^Dear [A-Z][a-z]+ [A-Z][a-z]+, reach me at [a-z]+\.[a-z]+\d{1,2}@example\.(com|org|net) or \(\d{3}\) 555-01\d{2}\.$/);
  });
});
