import { describe, expect, it } from 'vitest';
import { ENTITY_TYPES, RedactionPolicySchema, actionFor, parseRedactionPolicy, policyHash } from '../src/index';

describe('RedactionPolicySchema', () => {
  it('defaults to every entity type, masked', () => {
    const policy = parseRedactionPolicy({});
    expect(policy.entities).toEqual([...ENTITY_TYPES]);
    expect(policy.action).toBe('mask');
  });

  it('rejects unknown fields, unknown types and unknown override keys', () => {
    expect(RedactionPolicySchema.safeParse({ entites: ['EMAIL'] }).success).toBe(false);
    expect(RedactionPolicySchema.safeParse({ entities: ['EMAILS'] }).success).toBe(false);
    expect(RedactionPolicySchema.safeParse({ overrides: { FAX: 'mask' } }).success).toBe(false);
    expect(RedactionPolicySchema.safeParse({ custom: [{ name: 'EMAIL', pattern: 'x{2}' }] }).success).toBe(false);
  });

  it('resolves per-entity overrides, including custom names', () => {
    const policy = parseRedactionPolicy({
      action: 'pseudonymize',
      overrides: { SECRET: 'drop_record', CUSTOMER_ID: 'hash' },
      custom: [{ name: 'CUSTOMER_ID', pattern: 'ACME-[0-9]{8}' }],
    });
    expect(actionFor(policy, 'EMAIL')).toBe('pseudonymize');
    expect(actionFor(policy, 'SECRET')).toBe('drop_record');
    expect(actionFor(policy, 'CUSTOMER_ID')).toBe('hash');
  });

  it('hashes canonically: defaults and entity order do not change the hash, content does', () => {
    const a = policyHash(parseRedactionPolicy({ entities: ['PHONE', 'EMAIL'] }));
    const b = policyHash(parseRedactionPolicy({ entities: ['EMAIL', 'PHONE'], action: 'mask' }));
    const c = policyHash(parseRedactionPolicy({ entities: ['EMAIL', 'PHONE'], action: 'hash' }));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});
