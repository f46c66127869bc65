import { countrySpecs } from 'ibantools';
import { pick, toHex, type KeyedHasher } from '../keyedHash';
import { digitsOf, luhnValid } from '../text';
import { SUFFIXES } from '../detectors/streetAddress';
import { isoDate, parseDate, renderDate, daysIn } from './dates';
import {
  SURROGATE_AREA_CODES,
  SURROGATE_EMAIL_DOMAINS,
  SURROGATE_FIRST_NAMES,
  SURROGATE_LAST_NAMES,
  SURROGATE_STREET_NAMES,
} from './lexicon';

/**
 * Deterministic, realistic fakes: digest = HMAC-SHA256(projectKey, type \0 normalized value).
 * Same value + same key → same fake (a conversation stays coherent); another key → another fake;
 * without the key the mapping cannot be reversed or recomputed. Every fake is "clean by
 * construction" so the verification pass does not flag it (see recognize.ts):
 *  - EMAIL at example.com/.org/.net (RFC 2606), PHONE in 555-01XX / Ofcom drama ranges,
 *    IP_ADDRESS in documentation ranges (RFC 5737, RFC 3849);
 *  - CREDIT_CARD fails Luhn, US_SSN uses area 666, IBAN fails mod-97 — never valid identifiers;
 *  - PERSON and STREET_ADDRESS come from a closed surrogate vocabulary;
 *  - DATE_OF_BIRTH carries a keyed tag (only dates whose keyed tag is zero are used).
 * Types without a meaningful fake (SECRET, URL_CREDENTIALS, custom, deny-list) get a keyed token.
 */
export function surrogateFor(type: string, value: string, hasher: KeyedHasher): string {
  const digest = hasher.digest(`${type}\u0000${normalize(type, value)}`);
  switch (type) {
    case 'EMAIL': return fakeEmail(digest);
    case 'PHONE': return fakePhone(value, digest);
    case 'CREDIT_CARD': return fakeCard(value, digest);
    case 'US_SSN': return fakeSsn(value, digest);
    case 'IBAN': return fakeIban(value, digest);
    case 'IP_ADDRESS': return fakeIp(value, digest);
    case 'PERSON': return fakePerson(value, digest);
    case 'STREET_ADDRESS': return fakeStreetAddress(value, digest);
    case 'DATE_OF_BIRTH': return fakeDateOfBirth(value, digest, hasher) ?? hashToken(type, value, hasher);
    default: return hashToken(type, value, hasher);
  }
}

/** `[EMAIL:ab12cd34ef]`: 40 bits of the keyed hash; stable per value, opaque without the key. */
export function hashToken(type: string, value: string, hasher: KeyedHasher): string {
  return `[${type}:${toHex(hasher.digest(`${type}\u0000${normalize(type, value)}`), 10)}]`;
}

function normalize(type: string, value: string): string {
  switch (type) {
    case 'EMAIL':
    case 'IP_ADDRESS':
      return value.toLowerCase();
    case 'PHONE': {
      const digits = digitsOf(value);
      return digits.length === 11 && digits[0] === '1' ? digits.slice(1) : digits;
    }
    case 'CREDIT_CARD':
    case 'US_SSN':
      return digitsOf(value);
    case 'IBAN':
      return value.replace(/\s/g, '').toUpperCase();
    case 'PERSON':
    case 'STREET_ADDRESS':
      return value.toLowerCase().replace(/\s+/g, ' ').trim();
    default:
      return value;
  }
}

function fakeEmail(digest: Uint8Array): string {
  const first = SURROGATE_FIRST_NAMES[pick(digest, 0, SURROGATE_FIRST_NAMES.length)].toLowerCase();
  const last = SURROGATE_LAST_NAMES[pick(digest, 4, SURROGATE_LAST_NAMES.length)].toLowerCase();
  const domain = SURROGATE_EMAIL_DOMAINS[pick(digest, 8, SURROGATE_EMAIL_DOMAINS.length)];
  return `${first}.${last}${pick(digest, 12, 100)}@${domain}`;
}

function fakePhone(original: string, digest: Uint8Array): string {
  const digits = digitsOf(original);
  const line = String(pick(digest, 4, 100)).padStart(2, '0');
  if (original.trim().startsWith('+') && !digits.startsWith('1')) {
    // Non-NANP: an Ofcom drama number (London 020 7946 0xxx or mobile 07700 900xxx), international.
    const tail = String(pick(digest, 0, 1000)).padStart(3, '0');
    const drama = digits.startsWith('4420') ? `442079460${tail}` : `447700900${tail}`;
    return fillDigits(original, drama) ?? `+44 7700 900${tail}`;
  }
  const area = SURROGATE_AREA_CODES[pick(digest, 0, SURROGATE_AREA_CODES.length)];
  const national = `${area}55501${line}`;
  return fillDigits(original, digits.length === 11 ? `1${national}` : national) ?? `(${area}) 555-01${line}`;
}

/** Writes `digits` into the digit positions of `template` when the counts match. */
function fillDigits(template: string, digits: string): string | undefined {
  if (digitsOf(template).length !== digits.length) return undefined;
  let i = 0;
  return template.replace(/\d/g, () => digits[i++]);
}

function fakeCard(original: string, digest: Uint8Array): string {
  const count = digitsOf(original).length;
  let digits = digitsOf(original)[0];
  for (let i = 1; i < count - 1; i++) digits += String(digest[i] % 10);
  const check = [...'0123456789'].find((d) => luhnValid(digits + d))!;
  const invalid = String((Number(check) + 1 + (digest[0] % 9)) % 10); // never the Luhn digit
  return fillDigits(original, digits + invalid)!;
}

function fakeSsn(original: string, digest: Uint8Array): string {
  const group = String(1 + pick(digest, 0, 99)).padStart(2, '0');
  const serial = String(1 + pick(digest, 4, 9999)).padStart(4, '0');
  return fillDigits(original, `666${group}${serial}`)!;
}

function fakeIban(original: string, digest: Uint8Array): string {
  const compact = original.replace(/\s/g, '').toUpperCase();
  const country = compact.slice(0, 2);
  let bban = '';
  for (let i = 4; i < compact.length; i++) {
    const byte = digest[i % 32] ^ i;
    bban += /\d/.test(compact[i]) ? String(byte % 10) : String.fromCharCode(65 + (byte % 26));
  }
  const valid = ibanCheckDigits(country, bban);
  const wrong = String(2 + ((valid - 2 + 1 + (digest[0] % 95)) % 97)).padStart(2, '0'); // 02..98, never `valid`
  const fake = `${country}${wrong}${bban}`;
  let i = 0;
  return countrySpecs[country] ? original.replace(/[A-Za-z0-9]/g, () => fake[i++]) : fake;
}

function ibanCheckDigits(country: string, bban: string): number {
  const rearranged = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let remainder = 0;
  for (const ch of rearranged) remainder = (remainder * 10 + Number(ch)) % 97;
  return 98 - remainder;
}

function fakeIp(original: string, digest: Uint8Array): string {
  if (original.includes(':')) {
    const groups = [0, 2, 4, 6].map((o) => ((digest[o] << 8) | digest[o + 1]).toString(16));
    return `2001:db8:${groups[0]}:${groups[1]}::${groups[2]}:${groups[3]}`;
  }
  const networks = ['192.0.2', '198.51.100', '203.0.113'];
  return `${networks[pick(digest, 0, 3)]}.${1 + pick(digest, 4, 254)}`;
}

function fakePerson(original: string, digest: Uint8Array): string {
  const words = original.trim().split(/\s+/).length;
  const first = SURROGATE_FIRST_NAMES[pick(digest, 0, SURROGATE_FIRST_NAMES.length)];
  const last = SURROGATE_LAST_NAMES[pick(digest, 4, SURROGATE_LAST_NAMES.length)];
  return words === 1 ? first : `${first} ${last}`;
}

function fakeStreetAddress(original: string, digest: Uint8Array): string {
  // The original's street type is kept when it is one ("Elm Avenue" → "... Avenue"); any other last
  // word ("Rue de la Paix") is part of the real name and must not survive into the fake.
  const last = /([A-Z][a-z]{1,12}\.?)(?:,? (?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Floor|Fl\.?|#) ?[A-Za-z0-9-]{1,6})?$/.exec(original)?.[1];
  const suffix = last && SUFFIXES.has(last.replace(/\.$/, '').toLowerCase()) ? last : 'Street';
  const street = SURROGATE_STREET_NAMES[pick(digest, 4, SURROGATE_STREET_NAMES.length)];
  return `${1 + pick(digest, 0, 9899)} ${street} ${suffix}`;
}

/** 1 in DOB_TAG_MODULUS dates carries the keyed tag; generation retries until it finds one. */
export const DOB_TAG_MODULUS = 128;

export function hasDobTag(iso: string, hasher: KeyedHasher): boolean {
  return pick(hasher.digest(`DOB-TAG\u0000${iso}`), 0, DOB_TAG_MODULUS) === 0;
}

function fakeDateOfBirth(original: string, digest: Uint8Array, hasher: KeyedHasher): string | undefined {
  const reading = parseDate(original)[0];
  if (!reading) return undefined;
  for (let attempt = 0; attempt < 4096; attempt++) {
    const bytes = attempt === 0 ? digest : hasher.digest(`DOB-RETRY\u0000${toHex(digest, 16)}\u0000${attempt}`);
    const year = 1940 + pick(bytes, 0, 60); // 1940–1999 so two-digit years read back the same
    const month = 1 + pick(bytes, 4, 12);
    const day = 1 + pick(bytes, 8, daysIn(year, month));
    const date = { year, month, day };
    if (hasDobTag(isoDate(date), hasher)) return renderDate(date, reading.shape);
  }
  return undefined;
}
