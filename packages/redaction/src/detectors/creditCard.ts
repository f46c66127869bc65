import type { Detector, Finding } from '../types';
import { continuesIbanGroups, isWordCharAt, luhnValid } from '../text';

/**
 * Payment card numbers: 13–19 digits, optionally grouped by single spaces or dashes, passing the
 * Luhn checksum and starting with a card-network digit (2–6). A bounded regex collects digit runs;
 * windows of consecutive groups are tried so "card 4111 1111 1111 1111 exp 0927" and runs with a
 * trailing year still resolve to the card.
 */
export const RUN = /\d[\d -]{11,30}/g;

export const creditCardDetector: Detector = {
  name: 'credit_card',
  version: '1',
  detect(text: string, out: Finding[]): void {
    RUN.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = RUN.exec(text)) !== null) {
      const start = match.index;
      let end = start + match[0].length;
      while (end > start && (text[end - 1] === ' ' || text[end - 1] === '-')) end--;
      if (isWordCharAt(text, start - 1) || (/[.,/]/.test(text[start - 1] ?? '') && /\d/.test(text[start - 2] ?? ''))) continue;
      if (continuesIbanGroups(text, start) || text[start - 1] === '+') continue; // '+' starts a phone number
      const finding = bestWindow(text, start, end);
      if (finding) out.push(finding);
    }
  },
};

function bestWindow(text: string, start: number, end: number): Finding | undefined {
  const groups: Array<{ start: number; end: number }> = [];
  for (let i = start; i < end; ) {
    let j = i;
    while (j < end && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    groups.push({ start: i, end: j });
    if (j < end && (text[j + 1] === ' ' || text[j + 1] === '-')) return undefined; // double separator: not one number
    i = j + 1;
  }
  for (let first = 0; first < groups.length; first++) {
    for (let last = groups.length - 1; last >= first; last--) {
      const windowStart = groups[first].start;
      const windowEnd = groups[last].end;
      if (isWordCharAt(text, windowEnd) && last === groups.length - 1) continue;
      let digits = '';
      for (let g = first; g <= last; g++) digits += text.slice(groups[g].start, groups[g].end);
      if (digits.length < 13 || digits.length > 19) continue;
      if (digits[0] < '2' || digits[0] > '6' || !luhnValid(digits)) continue;
      return { type: 'CREDIT_CARD', start: windowStart, end: windowEnd, confidence: 0.9, detector: 'credit_card' };
    }
  }
  return undefined;
}
