import type { Detector, Finding } from '../types';

/**
 * Dates of birth: a date only counts when a birth cue ("born on", "DOB", "date of birth",
 * "birthday") precedes it within a few words; other dates (orders, meetings) are not personal.
 * The cue regex is a literal alternation; the date regexes are fixed-width or bounded.
 */
export const BIRTH_CUE = /(?:\b(?:born(?: on| in)?|d\.?o\.?b\.?|date of birth|birth ?date|birthday(?: is)?|geboren(?: am| op)?|geburtsdatum|geb\.|né(?:e)? le|née?|date de naissance|fecha de nacimiento|nacid[oa] el|nacid[oa]|data di nascita|nat[oa] il|nat[oa]|data de nascimento|nascid[oa] em|geboortedatum)\b|生年月日|出生日期|생년월일)/giu;
/** Month names of the seven support languages (full and abbreviated forms share a prefix). */
const MONTHS = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|jän|mär|mai|okt|dez|janv|févr|fév|avr|juil|déc|ene|abr|ago|dic|gen|mag|giu|lug|set|ott|fev|out|dez|mrt|mei|juin|août|aout|enero|febrero|marzo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro|maart|juni|juli|oktober|februari|januari)[a-zäéûôç]{0,7}\\.?';
export const DATE_AFTER_CUE = new RegExp(
  `^[\\s:：,=-]{0,4}(?:is |was |on |of |the |am |ist |est |le |el |es |il |è |em |é |op |is op )?(?:is |was |on |of |the |am |le |el |il |em |op )?` +
    `(\\d{4}-\\d{2}-\\d{2}|\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{2,4}|${MONTHS} \\d{1,2}(?:st|nd|rd|th)?,? \\d{4}|\\d{1,2}(?:st|nd|rd|th|er|º|\\.)? (?:of |de )?${MONTHS},? (?:de )?\\d{4}|\\d{4}年\\d{1,2}月\\d{1,2}日|\\d{4}년 ?\\d{1,2}월 ?\\d{1,2}일)`,
  'i',
);

export const dateOfBirthDetector: Detector = {
  name: 'date_of_birth',
  version: '2',
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
