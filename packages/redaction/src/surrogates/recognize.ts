import type { KeyedHasher } from '../keyedHash';
import { digitsOf } from '../text';
import { isIpv4 } from '../detectors/ipAddress';
import { isoDate, parseDate } from './dates';
import { hasDobTag } from './generate';
import { RESERVED_EMAIL_DOMAIN, SURROGATE_NAME_WORDS, SURROGATE_STREET_WORDS } from './lexicon';

/** `[EMAIL]`, `[CUSTOMER_ID]`, `[EMAIL:ab12cd34ef]`: what mask, hash and token pseudonyms write. */
export const PLACEHOLDER = /\[[A-Z][A-Z0-9_]{0,39}(?::[0-9a-f]{10})?\]/g;

/**
 * True when a value found by a detector during verification is one of our own fakes, by the
 * construction rules in generate.ts. These are stateless checks: verification needs no memory of
 * what was replaced, so it streams in constant memory like redaction.
 *
 * Trade-off, documented in the README: a real value that happens to look like a surrogate (an
 * address at example.com, a 555-01XX number, a name made only of surrogate-vocabulary words) is
 * not reported by verification. The redaction pass itself does not exempt them, so they are
 * still redacted when the input contains them.
 */
export function isRecognizedSurrogate(type: string, value: string, hasher: KeyedHasher | undefined): boolean {
  switch (type) {
    case 'EMAIL':
      return RESERVED_EMAIL_DOMAIN.test(value.slice(value.lastIndexOf('@') + 1));
    case 'PHONE':
      return isFictionalPhone(digitsOf(value));
    case 'IP_ADDRESS':
      return isDocumentationIp(value);
    case 'PERSON':
      return value.split(/[\s.]{1,4}/).filter(Boolean).every((word) => SURROGATE_NAME_WORDS.has(word) || /^\p{Lu}$/u.test(word));
    case 'STREET_ADDRESS': {
      const words = value.split(' ').slice(1, -1); // drop house number and suffix
      return words.length > 0 && words.every((word) => SURROGATE_STREET_WORDS.has(word));
    }
    case 'DATE_OF_BIRTH':
      return hasher !== undefined && parseDate(value).some(({ date }) => hasDobTag(isoDate(date), hasher));
    default:
      return false; // cards, SSNs and IBANs fakes are invalid by construction and never detected
  }
}

/** NANP 555-0100..0199 (fiction-reserved) and Ofcom drama ranges 07700 900xxx, 020 7946 0xxx. */
export function isFictionalPhone(digits: string): boolean {
  let national = digits;
  if (national.length === 11 && national.startsWith('1')) national = national.slice(1);
  if (national.length === 10 && national.slice(3, 8) === '55501') return true;
  if (national.startsWith('44')) national = `0${national.slice(2)}`;
  return national.length === 11 && (national.startsWith('07700900') || national.startsWith('02079460'));
}

function isDocumentationIp(value: string): boolean {
  if (value.includes(':')) return /^2001:0?db8(?::|$)/i.test(value);
  if (!isIpv4(value)) return false;
  return value.startsWith('192.0.2.') || value.startsWith('198.51.100.') || value.startsWith('203.0.113.');
}
