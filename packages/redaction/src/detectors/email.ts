import type { Detector, Finding } from '../types';
import { isAsciiAlnumCode } from '../text';

/**
 * Emails are found by anchoring on '@' (indexOf) and expanding over bounded local/domain runs,
 * so cost is O(n + 317 · #'@') with no regex backtracking. `user:pass@host` userinfo inside a
 * URL is left to the URL_CREDENTIALS detector; an email inside a query string is still an email.
 */
const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

function isLocalCode(c: number): boolean {
  // RFC 5322 atext minus the rarely used characters that mostly appear as prose punctuation.
  return isAsciiAlnumCode(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || c === 39 || c > 127;
}

function isDomainCode(c: number): boolean {
  return isAsciiAlnumCode(c) || c === 46 || c === 45 || c > 127;
}

export const emailDetector: Detector = {
  name: 'email',
  version: '1',
  detect(text: string, out: Finding[]): void {
    let at = text.indexOf('@');
    while (at !== -1) {
      let start = at;
      while (start > 0 && at - start < MAX_LOCAL && isLocalCode(text.charCodeAt(start - 1))) start--;
      while (start < at && text.charCodeAt(start) === 46) start++; // no leading dot
      let end = at + 1;
      while (end < text.length && end - at - 1 < MAX_DOMAIN && isDomainCode(text.charCodeAt(end))) end++;
      while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
      if (start < at && isPlausibleDomain(text.slice(at + 1, end)) && !isUrlUserinfo(text, start)) {
        out.push({ type: 'EMAIL', start, end, confidence: 0.95, detector: 'email' });
      }
      at = text.indexOf('@', Math.max(at + 1, end));
    }
  },
};

function isPlausibleDomain(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  if (labels.some((label) => label.length === 0 || label.length > 63 || label.startsWith('-'))) return false;
  const tld = labels[labels.length - 1];
  return tld.length >= 2 && !/^\d+$/.test(tld);
}

/** `scheme://user@host` or `scheme://user:pass@host`: the part before '@' is URL userinfo. */
function isUrlUserinfo(text: string, localStart: number): boolean {
  if (text.startsWith('//', localStart - 2)) return true;
  const prev = text.charCodeAt(localStart - 1);
  if (prev !== 58) return false; // ':' → may be `user:pass@`
  const colon = localStart - 1;
  const scheme = text.lastIndexOf('://', colon);
  return scheme !== -1 && colon - scheme < 200 && !/\s/.test(text.slice(scheme, colon));
}
