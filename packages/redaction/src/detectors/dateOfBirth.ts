import type { Detector, Finding } from '../types';

/**
 * Dates of birth: a date only counts when a birth cue ("born on", "DOB", "date of birth",
 * "birthday") precedes it within a few words; other dates (orders, meetings) are not personal.
 * The cue regex is a literal alternation; the date regexes are fixed-width or bounded.
 */
export const BIRTH_CUE = /\b(?:born(?: on| in)?|d\.?o\.?b\.?|date of birth|birth ?date|birthday(?: is)?)\b/gi;
const MONTHS = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\\.?';
export const DATE_AFTER_CUE = new RegExp(
  `^[\\s:,=-]{0,4}(?:is |was |on |of |the )?(?:is |was |on |of |the )?` +
    `(\\d{4}-\\d{2}-\\d{2}|\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{2,4}|${MONTHS} \\d{1,2}(?:st|nd|rd|th)?,? \\d{4}|\\d{1,2}(?:st|nd|rd|th)? (?:of )?${MONTHS},? \\d{4})`,
  'i',
);

export const dateOfBirthDetector: Detector = {
  name: 'date_of_birth',
  version: '1',
  detect(text: string, out: Finding[]): void {
    BIRTH_CUE.lastIndex = 0;
    let cue: RegExpExecArray | null;
    while ((cue = BIRTH_CUE.exec(text)) !== null) {
      const after = cue.index + cue[0].length;
      const date = DATE_AFTER_CUE.exec(text.slice(after, after + 48));
      if (!date) continue;
      const end = after + date[0].length;
      if (/\d/.test(text[end] ?? '')) continue;
      out.push({ type: 'DATE_OF_BIRTH', start: end - date[1].length, end, confidence: 0.9, detector: 'date_of_birth' });
    }
  },
};
