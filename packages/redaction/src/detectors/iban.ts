import { countrySpecs, isValidIBAN } from 'ibantools';
import type { Detector, Finding } from '../types.js';
import { isWordCharAt } from '../text.js';

/**
 * IBANs: country code + 2 check digits, then exactly the country's BBAN length of letters and
 * digits (single spaces allowed, as in the printed form), validated by ibantools (structure and
 * mod-97). The prefix regex is fixed-width; the walk over the BBAN is bounded by 34 characters.
 */
export const PREFIX = /[A-Z]{2}\d{2}/g;

export const ibanDetector: Detector = {
  name: 'iban',
  version: '1',
  detect(text: string, out: Finding[]): void {
    PREFIX.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = PREFIX.exec(text)) !== null) {
      const start = match.index;
      if (isWordCharAt(text, start - 1)) continue;
      const length = countrySpecs[match[0].slice(0, 2)]?.chars;
      if (!length) continue;
      let compact = match[0];
      let end = start + 4;
      while (compact.length < length && end < text.length) {
        const c = text[end];
        if (/[A-Za-z0-9]/.test(c)) compact += c.toUpperCase();
        else if (!(c === ' ' && /[A-Za-z0-9]/.test(text[end + 1] ?? ''))) break;
        end++;
      }
      if (compact.length !== length || isWordCharAt(text, end)) continue;
      if (!isValidIBAN(compact)) continue;
      out.push({ type: 'IBAN', start, end, confidence: 0.95, detector: 'iban' });
      PREFIX.lastIndex = end;
    }
  },
};
