import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// `yaml` is the RunSpec parser of @refinery/core and the CLI (hoisted in the workspace); used here
// only to read the demo spec's policy as the pipeline would, instead of copying it into the test.
import { parse } from 'yaml';
import { ENTITY_TYPES, RedactionPolicySchema, redactJsonl, secondOpinionJsonl, verifyJsonl } from '../src/index';

/**
 * Regression guard for the end-to-end demo: the demo dataset, redacted with the demo spec's
 * policy (mask) and with the same policy pseudonymizing, must pass the pipeline's verification
 * gate under any project key. Pseudonyms are keyed,
 * so a key-dependent surrogate can break the gate for some keys only (it did twice: a fake card
 * number whose first 12 digits passed Aadhaar's Verhoeff check, and a fake French street that kept
 * "Paix", which then read as a surname). 25 keys; the whole file takes a few seconds.
 */
const root = join(__dirname, '..', '..', '..');
const lines = readFileSync(join(root, 'examples/datasets/support-tickets.jsonl'), 'utf8').split('\n').filter((line) => line.trim() !== '');
const spec = parse(readFileSync(join(root, 'examples/specs/demo.yaml'), 'utf8')) as { redaction: unknown };
const demoPolicy = RedactionPolicySchema.parse(spec.redaction);
const POLICIES = [demoPolicy, { ...demoPolicy, action: 'pseudonymize' as const }];
const KEYS = Array.from({ length: 25 }, (_, i) => createHash('sha256').update(`demo project ${i}`).digest('hex'));

async function collect(source: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of source) out.push(line);
  return out;
}

describe('demo dataset through the verification gate', () => {
  it('uses the demo spec policy (mask, SECRET masked, CUSTOMER_ID hashed by a custom pattern)', () => {
    expect(demoPolicy.action).toBe('mask');
    expect(demoPolicy.overrides).toMatchObject({ SECRET: 'mask', CUSTOMER_ID: 'hash' });
    expect(demoPolicy.custom?.map((c) => c.name)).toContain('CUSTOMER_ID');
    expect(lines.length).toBeGreaterThan(100);
  });

  it.each(POLICIES.flatMap((policy) => KEYS.map((key, i) => [policy.action, i, key, policy] as const)))('%s, key #%i: no residuals, second opinion reported', async (_action, _i, projectKey, policy) => {
    const redacted = await collect(redactJsonl(lines, { policy, format: 'chat', projectKey }));
    expect(redacted.length).toBe(lines.length);
    // What workers/pipeline's redact stage runs: every built-in type plus the policy's own.
    const verification = await verifyJsonl(redacted, { policy, format: 'chat', projectKey, entities: [...ENTITY_TYPES], maxResiduals: 100 });
    expect(verification.residuals).toEqual([]);
    expect(verification.clean).toBe(true);
    expect(verification.recordsScanned).toBe(lines.length);
    // The second opinion under the default policy ('review') is reported and does not fail the run.
    const secondOpinion = await secondOpinionJsonl(() => redacted, { format: 'chat', onSuspicion: 'review', maxSuspicions: 100 });
    expect(secondOpinion.onSuspicion).toBe('review');
    expect(secondOpinion.recordsScanned).toBe(lines.length);
    expect(secondOpinion.suspicionCount).toBeGreaterThanOrEqual(secondOpinion.suspicions.length);
    for (const suspicion of secondOpinion.suspicions) expect(Object.keys(suspicion).sort()).toEqual(['field', 'line', 'type']);
  });
});
