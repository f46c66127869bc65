import type { Detector, Finding } from '../types';
import { isWordCharAt, textBefore } from '../text';

/**
 * US Social Security numbers: AAA-GG-SSSS (dashes or spaces, used consistently) or nine bare
 * digits when an SSN cue precedes them. SSA validity rules: area not 000, 666 or 900–999, group
 * not 00, serial not 0000. All repetitions are fixed-width, so matching is linear.
 */
export const CANDIDATE = /\d{3}([- ]?)\d{2}[- ]?\d{4}/g;
export const SSN_CUE = /(?:ssn|social security(?: number| no\.?)?|social sec\.?|ss#|ss no\.?|tax ?id)\W{0,6}$/;

export const usSsnDetector: Detector = {
  name: 'us_ssn',
  version: '1',
  detect(text: string, out: Finding[]): void {
    CANDIDATE.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = CANDIDATE.exec(text)) !== null) {
      const start = match.index;
      const end = start + match[0].length;
      if (isWordCharAt(text, start - 1) || isWordCharAt(text, end)) continue;
      if (/[-.]/.test(text[start - 1] ?? '') || (/[-.]/.test(text[end] ?? '') && /\d/.test(text[end + 1] ?? ''))) continue;
      const value = match[0];
      const separator = match[1];
      if (separator !== '' && value[6] !== separator) continue;
      if (separator === '' && /[- ]/.test(value)) continue;
      const digits = value.replace(/[- ]/g, '');
      if (!isValidSsn(digits)) continue;
      const cued = SSN_CUE.test(textBefore(text, start, 30));
      if (separator !== '-' && !cued) continue; // bare or spaced nine digits are too often other ids
      out.push({ type: 'US_SSN', start, end, confidence: cued ? 0.95 : 0.8, detector: 'us_ssn' });
    }
  },
};

export function isValidSsn(digits: string): boolean {
  const area = digits.slice(0, 3);
  return area !== '000' && area !== '666' && area[0] !== '9' && digits.slice(3, 5) !== '00' && digits.slice(5) !== '0000';
}
