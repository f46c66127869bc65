import { describe, expect, it } from 'vitest';
import { found, foundTypes } from './helpers';

describe('EMAIL', () => {
  it('finds plain, plus-tagged and subdomain addresses', () => {
    expect(found('write to jane.doe+news@mail.acme.co.uk today', ['EMAIL'])).toEqual(['EMAIL:jane.doe+news@mail.acme.co.uk']);
    expect(found('(bob_99@example.org)', ['EMAIL'])).toEqual(['EMAIL:bob_99@example.org']);
  });
  it('finds an email inside a URL query string, exactly', () => {
    expect(found('see https://crm.acme.io/search?email=ann.lee@gmail.com&x=1', ['EMAIL'])).toEqual(['EMAIL:ann.lee@gmail.com']);
    expect(found('mailto:ops@acme.io', ['EMAIL'])).toEqual(['EMAIL:ops@acme.io']);
  });
  it('does not treat URL userinfo, npm scopes or handles as emails', () => {
    expect(found('https://user:pw@host.com/x', ['EMAIL'])).toEqual([]);
    expect(found('https://registry.npmjs.org/@scope/pkg and @jane on chat', ['EMAIL'])).toEqual([]);
    expect(found('meet @ 5pm, user@localhost', ['EMAIL'])).toEqual([]);
  });
});

describe('PHONE', () => {
  it('finds national and international formats', () => {
    expect(found('Call (415) 867-5309 or 415.867.5309', ['PHONE'])).toEqual(['PHONE:(415) 867-5309', 'PHONE:415.867.5309']);
    expect(found('UK office +44 20 7946 0958, Berlin +49 30 901820, Paris +33 1 42 68 53 00', ['PHONE'])).toEqual([
      'PHONE:+44 20 7946 0958',
      'PHONE:+49 30 901820',
      'PHONE:+33 1 42 68 53 00',
    ]);
    expect(found('phone number: 2025550123', ['PHONE'])).toEqual(['PHONE:2025550123']);
  });
  it('rejects order numbers, dates, amounts and version-like numbers', () => {
    expect(found('Order #555-867-5309 has shipped', ['PHONE'])).toEqual([]);
    expect(found('invoice number 4158675309 is overdue', ['PHONE'])).toEqual([]);
    expect(found('tracking no. 212-555-0147', ['PHONE'])).toEqual([]);
    expect(found('on 2024-03-15 we paid 1,234,567.89 for build 10.2.3.4567', ['PHONE'])).toEqual([]);
    expect(found('the total is 1234567', ['PHONE'])).toEqual([]);
  });
});

describe('CREDIT_CARD', () => {
  it('finds Luhn-valid numbers in common groupings', () => {
    expect(found('card 4111 1111 1111 1111 exp 09/27', ['CREDIT_CARD'])).toEqual(['CREDIT_CARD:4111 1111 1111 1111']);
    expect(found('amex 3782-822463-10005.', ['CREDIT_CARD'])).toEqual(['CREDIT_CARD:3782-822463-10005']);
    expect(found('mc:5555555555554444', ['CREDIT_CARD'])).toEqual(['CREDIT_CARD:5555555555554444']);
  });
  it('rejects Luhn-failing 16-digit numbers and long ids', () => {
    expect(found('card 4111 1111 1111 1112', ['CREDIT_CARD'])).toEqual([]);
    expect(found('ref 1234567812345678', ['CREDIT_CARD'])).toEqual([]);
    expect(found('id 41111111111111110000000', ['CREDIT_CARD'])).toEqual([]);
  });
});

describe('US_SSN', () => {
  it('finds dashed SSNs and cued bare ones', () => {
    expect(found('SSN 123-45-6789.', ['US_SSN'])).toEqual(['US_SSN:123-45-6789']);
    expect(found('social security number: 219099999', ['US_SSN'])).toEqual(['US_SSN:219099999']);
  });
  it('applies SSA validity rules and ignores uncued bare digits', () => {
    for (const invalid of ['000-12-3456', '666-12-3456', '912-34-5678', '123-00-4567', '123-45-0000']) {
      expect(found(`SSN ${invalid}`, ['US_SSN'])).toEqual([]);
    }
    expect(found('ticket 123456789', ['US_SSN'])).toEqual([]);
    expect(found('mixed 123-45 6789', ['US_SSN'])).toEqual([]);
  });
});

describe('IBAN', () => {
  it('finds compact and printed IBANs that pass mod-97', () => {
    expect(found('pay DE89370400440532013000 now', ['IBAN'])).toEqual(['IBAN:DE89370400440532013000']);
    expect(found('IBAN: GB29 NWBK 6016 1331 9268 19.', ['IBAN'])).toEqual(['IBAN:GB29 NWBK 6016 1331 9268 19']);
  });
  it('rejects wrong check digits and wrong lengths', () => {
    expect(found('pay DE88370400440532013000', ['IBAN'])).toEqual([]);
    expect(found('pay DE8937040044053201300', ['IBAN'])).toEqual([]);
  });
});

describe('IP_ADDRESS', () => {
  it('finds IPv4 and IPv6 addresses', () => {
    expect(found('ssh to 10.0.12.7 or 2001:db8:85a3::8a2e:370:7334, loopback ::1', ['IP_ADDRESS'])).toEqual([
      'IP_ADDRESS:10.0.12.7',
      'IP_ADDRESS:2001:db8:85a3::8a2e:370:7334',
      'IP_ADDRESS:::1',
    ]);
    expect(found('client fe80::1ff:fe23:4567:890a connected', ['IP_ADDRESS'])).toEqual(['IP_ADDRESS:fe80::1ff:fe23:4567:890a']);
  });
  it('rejects version strings in prose, out-of-range octets, times and MACs', () => {
    expect(found('Upgrade to version 1.2.3.4 and firmware 10.0.0.1 today', ['IP_ADDRESS'])).toEqual([]);
    expect(found('released v2.10.3.1; 300.1.1.1; 1.2.3.4.5', ['IP_ADDRESS'])).toEqual([]);
    expect(found('at 12:30:45 the NIC 00:1A:2B:3C:4D:5E; std::vector', ['IP_ADDRESS'])).toEqual([]);
    expect(found('server 1.2.3.4 is down', ['IP_ADDRESS'])).toEqual(['IP_ADDRESS:1.2.3.4']);
  });
});

describe('URL_CREDENTIALS', () => {
  it('finds user:password in URLs, also with an unencoded @ in the password', () => {
    expect(found('postgres://app:Sup3r@db.internal:5432/prod', ['URL_CREDENTIALS'])).toEqual(['URL_CREDENTIALS:app:Sup3r']);
    expect(found('https://admin:p@ss@host.io/', ['URL_CREDENTIALS'])).toEqual(['URL_CREDENTIALS:admin:p@ss']);
  });
  it('ignores URLs without a password', () => {
    expect(found('https://host.io:8443/a?b=c and ssh://git@github.com/x', ['URL_CREDENTIALS'])).toEqual([]);
  });
});

describe('SECRET', () => {
  it('finds AWS key ids, JWTs, bearer tokens and prefixed API keys', () => {
    expect(foundTypes('key AKIAIOSFODNN7EXAMPLE', ['SECRET'])).toEqual(['SECRET']);
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(found(`Authorization: Bearer ${jwt}`, ['SECRET'])).toEqual([`SECRET:${jwt}`]);
    expect(found('use ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 here', ['SECRET'])).toEqual(['SECRET:ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789']);
    expect(found('stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc', ['SECRET'])).toEqual(['SECRET:sk_live_4eC39HqLyjWDarjtT1zdp7dc']);
  });
  it("finds Refinery's own API tokens, even one with no digit", () => {
    const token = 'rfy_' + 'aBcDeFgHiJkLmNoPqRsTuVwXyZ-_aBcDeFgHiJkLmNo';
    expect(found(`REFINERY_TOKEN=${token} in the log`, ['SECRET'])).toEqual([`SECRET:${token}`]);
    expect(found('rfy_short is not a token', ['SECRET'])).toEqual([]);
  });
  it('finds PEM private-key blocks including the body', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x\nQk9u+3zZ\n-----END RSA PRIVATE KEY-----';
    expect(found(`here:\n${pem}\nthanks`, ['SECRET'])).toEqual([`SECRET:${pem}`]);
  });
  it('finds high-entropy values and passwords after a cue, not words', () => {
    expect(found('api_key = "9f8A7b6C5d4E3f2a1B0c"', ['SECRET'])).toEqual(['SECRET:9f8A7b6C5d4E3f2a1B0c']);
    expect(found('my password is Tr0ub4dor&3.', ['SECRET'])).toEqual(['SECRET:Tr0ub4dor&3']);
    expect(found('the password reset token expired; secret sauce; risk-management-and-compliance', ['SECRET'])).toEqual([]);
  });
});

describe('PERSON', () => {
  it('finds names by lexicon, titles and cues', () => {
    expect(found('I spoke with Sarah Johnson yesterday.', ['PERSON'])).toEqual(['PERSON:Sarah Johnson']);
    expect(found('Please ask Mr. Okafor or Dr. Li Wei.', ['PERSON'])).toEqual(['PERSON:Okafor', 'PERSON:Li Wei']);
    expect(found('Dear Oluwaseun Adeyemi,', ['PERSON'])).toEqual(['PERSON:Oluwaseun Adeyemi']);
    expect(found('Regards,\nMargaret', ['PERSON'])).toEqual(['PERSON:Margaret']);
    expect(found('Thanks, Will Turner', ['PERSON'])).toEqual(['PERSON:Will Turner']);
  });
  it('does not flag everyday words that are also names at sentence starts', () => {
    expect(found('Will you reset it? May I help? Grant access now. Rose petals. Bill me later. Hope this helps.', ['PERSON'])).toEqual([]);
    expect(found('Dear Customer, the Support Team', ['PERSON'])).toEqual([]);
    expect(found('Monday The ACME Router Config', ['PERSON'])).toEqual([]);
  });
});

describe('STREET_ADDRESS', () => {
  it('finds number + street + suffix with an optional unit', () => {
    expect(found('ship to 742 Evergreen Terrace, Apt 4B please', ['STREET_ADDRESS'])).toEqual(['STREET_ADDRESS:742 Evergreen Terrace, Apt 4B']);
    expect(found('at 1600 Pennsylvania Ave. in DC', ['STREET_ADDRESS'])).toEqual(['STREET_ADDRESS:1600 Pennsylvania Ave.']);
    expect(found('office 221B Baker Street', ['STREET_ADDRESS'])).toEqual(['STREET_ADDRESS:221B Baker Street']);
  });
  it('needs a house number', () => {
    expect(found('we walked down Main Street to the Park', ['STREET_ADDRESS'])).toEqual([]);
    expect(found('version 3 Way forward, 10 Park', ['STREET_ADDRESS'])).toEqual([]);
  });
});

describe('DATE_OF_BIRTH', () => {
  it('finds dates after birth cues in several formats', () => {
    expect(found('born on March 3, 1985', ['DATE_OF_BIRTH'])).toEqual(['DATE_OF_BIRTH:March 3, 1985']);
    expect(found('DOB: 1990-07-14', ['DATE_OF_BIRTH'])).toEqual(['DATE_OF_BIRTH:1990-07-14']);
    expect(found('Date of birth 07/14/1990', ['DATE_OF_BIRTH'])).toEqual(['DATE_OF_BIRTH:07/14/1990']);
    expect(found('birthday is 3 Mar 1985', ['DATE_OF_BIRTH'])).toEqual(['DATE_OF_BIRTH:3 Mar 1985']);
  });
  it('ignores dates without a birth cue', () => {
    expect(found('ordered on March 3, 1985 and shipped 1990-07-14', ['DATE_OF_BIRTH'])).toEqual([]);
  });
});

describe('unicode and RTL text', () => {
  it('keeps offsets right around non-BMP and RTL characters', () => {
    const text = 'مرحبا 👋 اتصل بي على jane@acme.io أو ‏+44 20 7946 0958‏ שלום';
    expect(found(text, ['EMAIL', 'PHONE'])).toEqual(['EMAIL:jane@acme.io', 'PHONE:+44 20 7946 0958']);
  });
  it('finds accented names after cues', () => {
    expect(found('Sehr geehrter Herr, Dear Jürgen Müller,', ['PERSON'])).toEqual(['PERSON:Jürgen Müller']);
  });
});

describe('overlaps', () => {
  it('keeps the higher-confidence, longer finding', () => {
    expect(found('https://bob:hunter22@mail.acme.io/x')).toEqual(['URL_CREDENTIALS:bob:hunter22']);
    expect(foundTypes('card 4111111111111111')).toEqual(['CREDIT_CARD']);
  });
});
