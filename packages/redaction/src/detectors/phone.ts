import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { Detector, Finding } from '../types';
import { continuesIbanGroups, digitsOf, isWordCharAt } from '../text';

/**
 * Phone numbers: a bounded regex collects runs of digits and phone separators (no nested
 * quantifiers; the run class has no overlap with what follows, so matching is linear), then
 * libphonenumber-js decides. Numbers with a '+' are parsed internationally; others as the
 * default region (US unless configured).
 *
 * Accept rules (precision first on bare digit strings, recall on formatted ones):
 *  - a valid number for its region → 0.85;
 *  - a NANP-shaped number written with grouping, or '+' with 8–15 digits → 0.65–0.7, without a
 *    libphonenumber parse (parsing dominates the cost; assignment of the range is not required);
 *  - a possible number written with phone grouping ("(415) 867-5309", "415.867.5309",
 *    "1-415-867-5309") → 0.6 (keeps not-yet-assigned area codes);
 *  - a run holding two numbers is split on spaces, and then only valid numbers count;
 *  - never when the preceding words name it as something else (order/invoice/ticket/...).
 */
export const RUN = /[+(]?\d[\d ().\-]{5,28}/g;
export const NOT_A_PHONE_CONTEXT =
  /(?:\b(?:order|invoice|ticket|case|ref|reference|tracking|account|acct|sku|serial|part|item|po|confirmation|transaction|id|no|number)\b|#)[\s:#.]{0,4}(?:(?:number|no|num|id)\b[\s:#.]{0,4})?$/;
export const PHONE_CONTEXT = /\b(?:phone|call|tel|mobile|cell|fax|text|whatsapp|sms|contact|reach)\b/;
export const NANP_SHAPE = /^[2-9]\d{2}[2-9]\d{6}$/;
const NANP_REGIONS: ReadonlySet<string> = new Set(['US', 'CA', 'PR', 'GU', 'VI', 'AS', 'MP']);
export const SEPARATORS = /[ .\-()]{1,3}/;

export function createPhoneDetector(defaultRegion: CountryCode = 'US'): Detector {
  return {
    name: 'phone',
    version: '1',
    detect(text: string, out: Finding[]): void {
      RUN.lastIndex = 0;
      let match: RegExpExecArray | null;
      while ((match = RUN.exec(text)) !== null) {
        const start = match.index;
        let end = start + match[0].length;
        while (end > start && !/[\d)]/.test(text[end - 1])) end--;
        if (text[end - 1] === ')' && !text.slice(start, end).includes('(')) end--;
        if (isWordCharAt(text, start - 1) || isWordCharAt(text, end) || /[\d.\-/:]/.test(text[start - 1] ?? '')) continue;
        if (text[end] === '.' && /\d/.test(text[end + 1] ?? '')) continue; // part of a dotted number (IP, version)
        if (continuesIbanGroups(text, start)) continue;
        const digitCount = digitsOf(text.slice(start, end)).length;
        const finding = digitCount <= 15 ? classify(text, start, end, defaultRegion) : classifyBySpaceWindows(text, start, end, defaultRegion);
        if (finding) out.push(finding);
      }
    },
  };
}

function classify(text: string, start: number, end: number, region: CountryCode, requireValid = false): Finding | undefined {
  const candidate = text.slice(start, end);
  const international = candidate.startsWith('+');
  const digits = digitsOf(candidate);
  if (digits.length < 7 || digits.length > 15) return undefined;
  // Parsing is the expensive step: skip national candidates that cannot have a NANP length.
  if (!international && NANP_REGIONS.has(region) && !(digits.length === 10 || (digits.length === 11 && digits[0] === '1'))) return undefined;
  const clause = currentClause(text, start);
  if (NOT_A_PHONE_CONTEXT.test(clause) && !PHONE_CONTEXT.test(clause)) return undefined;
  // NANP numbers written with grouping need no parse (the expensive step): area code and exchange
  // rules are checked here; assignment of the area code is not required, as for '+' numbers below.
  const national = international && digits[0] === '1' ? digits.slice(1) : !international && digits.length === 11 ? digits.slice(1) : digits;
  if ((international ? digits[0] === '1' : NANP_REGIONS.has(region)) && NANP_SHAPE.test(national) && (international || isGrouped(candidate))) {
    return { type: 'PHONE', start, end, confidence: 0.7, detector: 'phone' };
  }
  // '+' then 8–15 digits is E.164 written out: a phone number whether or not the range is assigned.
  if (international && digits.length >= 8 && digits[0] !== '0') return { type: 'PHONE', start, end, confidence: 0.65, detector: 'phone' };
  const number = parsePhoneNumberFromString(candidate, international ? undefined : region);
  if (!number) return undefined;
  if (number.isValid()) return { type: 'PHONE', start, end, confidence: 0.85, detector: 'phone' };
  if (requireValid) return undefined;
  // '+' and a possible length for that country: written as a phone number even if unassigned.
  if (international && number.isPossible()) return { type: 'PHONE', start, end, confidence: 0.6, detector: 'phone' };
  if (number.isPossible() && isGrouped(candidate) && !/^\d{4}[-. ]\d{2}[-. ]\d{2}$/.test(candidate)) {
    return { type: 'PHONE', start, end, confidence: 0.6, detector: 'phone' };
  }
  return undefined;
}

/** "call 415 867 5309 415 867 5310": a run holding two numbers; try space-separated windows. */
function classifyBySpaceWindows(text: string, start: number, end: number, region: CountryCode): Finding | undefined {
  const chunkStarts: number[] = [];
  const chunkEnds: number[] = [];
  for (let i = start; i < end; i++) {
    if (i === start || text[i - 1] === ' ') chunkStarts.push(i);
    if (i === end - 1 || text[i + 1] === ' ') chunkEnds.push(i + 1);
  }
  if (chunkStarts.length < 3) return undefined;
  for (const windowStart of chunkStarts) {
    for (let k = chunkEnds.length - 1; k >= 0; k--) {
      const windowEnd = chunkEnds[k];
      if (windowEnd <= windowStart || (windowStart === start && windowEnd === end)) continue;
      const finding = classify(text, windowStart, windowEnd, region, true);
      if (finding) return finding;
    }
  }
  return undefined;
}

/**
 * The lower-cased clause before `start` (up to 40 characters), so that "...on the phone. Order
 * #5289803280" reads as an order number while "tracking no. 212-..." keeps its cue.
 */
function currentClause(text: string, start: number): string {
  const from = Math.max(0, start - 40);
  for (let i = start - 3; i >= from; i--) {
    const c = text[i];
    if (c === '\n') return text.slice(i + 1, start).toLowerCase();
    if ((c === '.' || c === '!' || c === '?') && text[i + 1] === ' ' && /\p{Lu}/u.test(text[i + 2] ?? '')) {
      return text.slice(i + 2, start).toLowerCase();
    }
  }
  return text.slice(from, start).toLowerCase();
}

/** Written like a phone number: 2–5 groups of 2–5 digits (country code may be 1–3). */
function isGrouped(candidate: string): boolean {
  const groups = candidate.replace(/^\+/, '').split(SEPARATORS).filter((group) => group.length > 0);
  if (groups.length < 2 || groups.length > 5) return false;
  // A 1-digit first group is a country code ("+1 ...") or the NANP trunk prefix ("1-415-...").
  return groups.every((group, i) => group.length <= 5 && (group.length >= 2 || (i === 0 && (candidate.startsWith('+') || group === '1'))));
}
