import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as creditCard from '../src/detectors/creditCard';
import * as dateOfBirth from '../src/detectors/dateOfBirth';
import * as email from '../src/detectors/email';
import * as iban from '../src/detectors/iban';
import * as intlAddress from '../src/detectors/intlAddress';
import * as ipAddress from '../src/detectors/ipAddress';
import * as nationalId from '../src/detectors/nationalId';
import * as person from '../src/detectors/person';
import * as personCjk from '../src/detectors/personCjk';
import * as phone from '../src/detectors/phone';
import * as secret from '../src/detectors/secret';
import * as streetAddress from '../src/detectors/streetAddress';
import * as urlCredentials from '../src/detectors/urlCredentials';
import * as usSsn from '../src/detectors/usSsn';
import { PLACEHOLDER } from '../src/surrogates/recognize';
import { RedactionPolicySchema, UnsafePatternError, compileSafePattern, createTextRedactor, findPatternProblems } from '../src/index';

const detectorModules = { creditCard, dateOfBirth, email, iban, intlAddress, ipAddress, nationalId, person, personCjk, phone, secret, streetAddress, urlCredentials, usSsn };

describe('built-in patterns', () => {
  const patterns = Object.entries(detectorModules).flatMap(([module, exports]) =>
    Object.entries(exports)
      .filter((entry): entry is [string, RegExp] => entry[1] instanceof RegExp)
      .map(([name, regex]) => [`${module}.${name}`, regex] as const),
  );

  it('are all collected (a new detector regex must be exported to be checked)', () => {
    expect(patterns.length).toBeGreaterThanOrEqual(25);
    // Every module-level regex constant of src/detectors is exported and its module is listed above.
    const dir = join(__dirname, '..', 'src', 'detectors');
    const declared = readdirSync(dir).filter((file) => file.endsWith('.ts')).flatMap((file) =>
      [...readFileSync(join(dir, file), 'utf8').matchAll(/^(?:export )?const ([A-Za-z_0-9]{1,64}) =\s{0,8}(?:\/|new RegExp\()/gm)].map((m) => `${file.slice(0, -3)}.${m[1]}`),
    );
    expect(declared.length).toBeGreaterThan(0);
    expect(declared.filter((name) => !patterns.some(([collected]) => collected === name))).toEqual([]);
  });

  it.each([...patterns, ['PLACEHOLDER', PLACEHOLDER] as const])('%s passes the linear-time rules', (_name, regex) => {
    expect(findPatternProblems(regex.source)).toEqual([]);
  });
});

describe('custom patterns', () => {
  it('accepts bounded, non-nested patterns', () => {
    expect(compileSafePattern('ACME-[0-9]{8}').test('id ACME-12345678')).toBe(true);
    expect(findPatternProblems('(?:EMP|CTR)-[A-Z]{2}\\d{4,6}')).toEqual([]);
  });

  it.each([
    ['(a+)+$', /unbounded|nested/],
    ['(a|a){1,30}b', /alternation/],
    ['(\\d{1,9}){1,9}', /nested/],
    ['(x)\\1', /backreference/],
    ['(?<=id)\\d{4}', /lookahead and lookbehind/],
    ['foo(?=bar)', /lookahead and lookbehind/],
    ['\\d+', /unbounded/],
    ['[a-z]{1,5000}', /above 1000/],
    ['\\d{1,100}\\w{1,100}\\s{1,100}', /backtracking/],
  ])('rejects %s with a clear reason', (pattern, reason) => {
    expect(() => compileSafePattern(pattern)).toThrow(UnsafePatternError);
    expect(() => compileSafePattern(pattern)).toThrow(reason);
  });

  it('rejects invalid and empty-matching patterns', () => {
    expect(() => compileSafePattern('[a-')).toThrow(/not a valid regular expression/);
    expect(() => compileSafePattern('a?')).toThrow(/empty string/);
  });

  it('reports a catastrophic rule through the policy schema with its path', () => {
    const result = RedactionPolicySchema.safeParse({ custom: [{ name: 'EVIL', pattern: '(a+)+$' }] });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].path).toEqual(['custom', 0, 'pattern']);
    expect(result.error!.issues.map((issue) => issue.message).join(' ')).toMatch(/nested quantifiers/);
  });

  it('runs accepted custom patterns and deny-lists', () => {
    const redactor = createTextRedactor({
      entities: [],
      custom: [{ name: 'CUSTOMER_ID', pattern: 'ACME-[0-9]{8}' }],
      denyList: [{ name: 'CODENAME', values: ['Project Bluebird', 'bluebird-db'] }],
    });
    expect(redactor.redact('ACME-12345678 moved to project bluebird; see bluebird-db.').text).toBe('[CUSTOMER_ID] moved to [CODENAME]; see [CODENAME].');
  });
});
