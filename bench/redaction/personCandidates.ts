/**
 * PERSON candidate approaches measured before choosing the shipped one:
 *  1. lexicon + context cues — the detector shipped in @refinery/redaction;
 *  2. context cues only — titles, salutations, "my name is", sign-offs, no lexicon;
 *  3. compromise — a general-purpose JavaScript NLP library (people() after POS tagging).
 */
import nlp from 'compromise';
import { createTextRedactor } from '@refinery/redaction';
import type { Span } from './score';

export interface PersonCandidate {
  name: string;
  find(text: string): Span[];
}

const lexiconAndCues = createTextRedactor({ entities: ['PERSON'] });

const CUE_THEN_NAME = /(?:\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.? |\b(?:Dear|Hi|Hello|Regards,\n|Sincerely,\n|[Mm]y name is|This is|spoke with) )(\p{Lu}[\p{L}'-]{1,30}(?: \p{Lu}[\p{L}'-]{1,30})?)/gu;

export const PERSON_CANDIDATES: PersonCandidate[] = [
  {
    name: 'lexicon + cues (shipped)',
    find: (text) => lexiconAndCues.detect(text).map((f) => ({ start: f.start, end: f.end, type: 'PERSON' })),
  },
  {
    name: 'cues only',
    find(text) {
      const spans: Span[] = [];
      for (const m of text.matchAll(CUE_THEN_NAME)) {
        const end = m.index + m[0].length;
        spans.push({ start: end - m[1].length, end, type: 'PERSON' });
      }
      return spans;
    },
  },
  {
    name: 'compromise 14 (NLP)',
    find(text) {
      const people = nlp(text).people().json({ offset: true }) as Array<{ offset: { start: number; length: number } }>;
      return people.map((p) => ({ start: p.offset.start, end: p.offset.start + p.offset.length, type: 'PERSON' }));
    },
  },
];
