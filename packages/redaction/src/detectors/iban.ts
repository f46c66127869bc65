import { ValidationErrorsIBAN, countrySpecs, validateIBAN } from 'ibantools';
import type { Detector, Finding } from '../types';
import { isWordCharAt } from '../text';

/**
 * IBANs: country code + 2 check digits, then exactly the country's BBAN length of letters and
 * digits (single spaces allowed, as in the printed form), validated by ibantools (structure and
 * mod-97). A failing national checksum inside the BBAN (Belgian, French RIB key, ...) only lowers
 * confidence: a string with the country's IBAN structure and a correct mod-97 is an account number
 * even when it was mistyped. The prefix regex is fixed-width; the BBAN walk is bounded by 34.
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
      const { errorCodes } = validateIBAN(compact);
      const nationalChecksumOnly = errorCodes.length === 1 && errorCodes[0] === ValidationErrorsIBAN.WrongAccountBankBranchChecksum;
      if (errorCodes.length > 0 && !nationalChecksumOnly) continue;
      out.push({ type: 'IBAN', start, end, confidence: nationalChecksumOnly ? 0.85 : 0.95, detector: 'iban' });
      PREFIX.lastIndex = end;
    }
  },
};
