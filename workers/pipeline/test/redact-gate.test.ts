import { describe, expect, it } from 'vitest';
import { RedactReportSchema } from '@refinery/core';
import { ENTITY_TYPES, parseRedactionPolicy, redactJsonl, secondOpinionJsonl, verifyJsonl, type RedactionPolicyInput } from '@refinery/redaction';
import { verificationFailure, verifiedTypes } from '../src/activities/redact';

const dataset = [
  'Hello, the order has not arrived and the tracking page is empty.',
  'I spoke with Oluwadamilare Fashola yesterday about the refund.',
  'The refund arrived, thanks for the help.',
].map((text) => JSON.stringify({ text }));

/** The redact activity's gate, on an in-memory dataset: redact, re-scan, second opinion, decide. */
async function gate(input: RedactionPolicyInput) {
  const policy = parseRedactionPolicy(input);
  const redacted: string[] = [];
  for await (const line of redactJsonl(dataset, { policy, format: 'text' })) redacted.push(line);
  const verification = await verifyJsonl(redacted, { policy, format: 'text', entities: policy.entities });
  const secondOpinion = policy.secondOpinion === 'off' ? undefined : await secondOpinionJsonl(() => redacted, { format: 'text', onSuspicion: policy.secondOpinion });
  return { verification, secondOpinion, failure: verificationFailure(verification, secondOpinion) };
}

const blindToPerson = ENTITY_TYPES.filter((t) => t !== 'PERSON');

describe('redact stage verification gate', () => {
  it('fails the run on second-opinion suspicions under secondOpinion: fail, naming lines, not values', async () => {
    const { verification, failure } = await gate({ entities: blindToPerson, secondOpinion: 'fail' });
    expect(verification.clean).toBe(true); // the blinded engine cannot see its own blind spot
    expect(failure?.type).toBe('RedactionSecondOpinionFailed');
    expect(failure?.message).toContain('PERSON ×1');
    expect(failure?.message).toContain('on lines 2;');
    expect(failure?.message).not.toMatch(/Oluwadamilare|Fashola/);
  });

  it('lets the run continue under review and puts the suspicions in a valid stage report', async () => {
    const { verification, secondOpinion, failure } = await gate({ entities: blindToPerson });
    expect(failure).toBeNull();
    expect(secondOpinion?.suspicions).toEqual([{ line: 2, type: 'PERSON', field: 'text' }]);
    const report = { reportVersion: 1, format: 'text', policyHash: 'x', detectorVersions: {}, records: { read: 3, written: 3, changed: 0, dropped: 0 }, entities: [], totalsByType: {}, droppedByType: {}, verification, secondOpinion };
    expect(RedactReportSchema.parse(report).secondOpinion?.suspicionsByType).toEqual({ PERSON: 1 });
  });

  it('passes a fully redacted dataset under fail, and skips the check when off', async () => {
    expect((await gate({ secondOpinion: 'fail' })).failure).toBeNull();
    const off = await gate({ entities: blindToPerson, secondOpinion: 'off' });
    expect(off.secondOpinion).toBeUndefined();
    expect(off.failure).toBeNull();
  });

  it('does not count types the policy deliberately keeps; leaving a type out of entities alone fails', async () => {
    const withEmail = ['Write to dana.whitfield@acmesupport.com about it.'].map((text) => JSON.stringify({ text }));
    const noEmail = ENTITY_TYPES.filter((t) => t !== 'EMAIL');
    const verify = async (input: RedactionPolicyInput) => {
      const policy = parseRedactionPolicy(input);
      const redacted: string[] = [];
      for await (const line of redactJsonl(withEmail, { policy, format: 'text' })) redacted.push(line);
      return verifyJsonl(redacted, { policy, format: 'text', entities: verifiedTypes(policy) });
    };
    expect((await verify({ entities: noEmail, keep: ['EMAIL'] })).clean).toBe(true);
    expect((await verify({ entities: noEmail })).residuals).toEqual([expect.objectContaining({ type: 'EMAIL', line: 1 })]);
    expect(() => parseRedactionPolicy({ keep: ['EMAIL'] })).toThrow(/EMAIL is both redacted \(entities\) and kept/);
  });

  it('still fails on engine residuals first', async () => {
    const policy = parseRedactionPolicy({ entities: blindToPerson });
    const verification = await verifyJsonl(dataset, { policy, format: 'text', entities: [...ENTITY_TYPES] });
    expect(verificationFailure(verification, undefined)?.type).toBe('RedactionVerificationFailed');
  });
});
