import type { Detector, Finding } from '../types';
import { AMBIGUOUS_FIRST_NAMES } from '../lexicon/ambiguousNames';
import { FIRST_NAMES } from '../lexicon/firstNames';
import { NOT_NAME_WORDS } from '../lexicon/notNames';
import { isWordCharAt, textBefore } from '../text';

/**
 * PERSON by first-name lexicon plus context cues (the approach chosen after measuring it against a
 * general NLP library — see docs/benchmarks.md "Redaction"):
 *  - a title ("Mr.", "Ms.", "Dr.", ...) followed by capitalized words → a name, lexicon or not;
 *  - a known first name followed by capitalized words → a full name;
 *  - a known first name alone → a name, unless the word is also an everyday word ("Will", "May",
 *    "Grant") — those need a surname or a cue, which is what keeps sentence starts like
 *    "Will you..." or "Grant access..." clean;
 *  - a strong cue ("Dear", "my name is", "Regards,", "Signed,") followed by capitalized words →
 *    a name even when it is not in the lexicon ("Dear Oluwaseun Adeyemi").
 * Capitalized words are found by one bounded regex pass; everything else is set lookups.
 */
export const CAPITALIZED = /\p{Lu}[\p{L}\p{M}'’-]{0,30}/gu;
const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'madam', 'mister', 'doctor', 'professor']);
export const STRONG_CUE = /\b(?:dear|my name is|name is|name:|i am|i'm|this is|signed|regards|sincerely|yours truly|best wishes|spoke (?:with|to)|talked to|ask for|assigned to|attn|attention|patient|employee|named)[\s,.:]{0,4}$/;
/** Cues strong enough to accept a single capitalized word that is not in the lexicon. */
export const IDENTITY_CUE = /\b(?:dear|my name is|name is|name:|i am|i'm|signed|regards|sincerely)[\s,.:]{0,4}$/;
/** Weak cues stay inside the sentence: "thanks. Will this work?" is not a cue for "Will". */
export const WEAK_CUE = /\b(?:hi|hello|hey|thanks|thank you|cheers|best|with|and|to|for|ask|tell|call|email|meet|met)[\s,:]{0,3}$/;
/** "Hi Ryleigh," / "Hey Samir!": a greeting plus a single capitalized word closed by punctuation. */
export const GREETING = /\b(?:hi|hello|hey|dear|thanks|thank you)[\s,]{1,3}$/;
/** The tail of a firm name: "Howe, Stoltenberg and Doyle", "Walsh - Lowe". */
const ORGANISATION_BEFORE = /(?:\p{Lu}[\p{L}'-]{1,30}, \p{Lu}[\p{L}'-]{1,30},? (?:and|&) |\p{Lu}[\p{L}'-]{1,30} - )$/u;
/** Organisation words that turn a preceding name into a company name ("Ritchie LLC"). */
const ORGANISATION_AFTER = /^(?: (?:LLC|Inc|Ltd|Corp|Corporation|Group|GmbH|PLC|Co|Company|and Sons|& Sons)\b|,? (?:and|&) |, \p{Lu}[\p{L}'-]{1,30} and | - )/u;
const MAX_NAME_TOKENS = 4;

interface Token {
  start: number;
  end: number;
  lower: string;
}

export const personDetector: Detector = {
  name: 'person',
  version: '1',
  detect(text: string, out: Finding[]): void {
    CAPITALIZED.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = CAPITALIZED.exec(text)) !== null) {
      const first = toToken(match.index, match[0]);
      if (first.end - first.start < 2 || isAllCaps(text, first) || !standsAlone(text, match.index, match.index + match[0].length)) continue;
      const isTitle = TITLES.has(first.lower);
      const followers = collectFollowers(text, isTitle ? skipTitleDot(text, first.end) : first.end);
      const finding = isTitle ? titled(followers) : named(text, first, followers);
      if (finding) {
        out.push(finding);
        CAPITALIZED.lastIndex = finding.end;
      }
    }
  },
};

/** Not glued to a handle, email, URL or identifier: "Aidan31@mail.com", "acme.Sarah", "x_Sarah". */
function standsAlone(text: string, start: number, end: number): boolean {
  const before = text.charCodeAt(start - 1); // NaN at the start of text
  if (before === before && (before === 64 || before === 46 || before === 47 || before === 58 || isWordCharAt(text, start - 1))) return false;
  const after = text.charCodeAt(end);
  if (after === after && (after === 64 || after === 95 || (after >= 48 && after <= 57))) return false;
  return !(after === 46 && isWordCharAt(text, end + 1));
}

function toToken(start: number, word: string): Token {
  const possessive = /['’]s$/.test(word) ? 2 : /['’-]$/.test(word) ? 1 : 0;
  const end = start + word.length - possessive;
  return { start, end, lower: word.slice(0, word.length - possessive).toLowerCase() };
}

/** "ACME", "SSN": the second letter is upper case (tokens start upper case by construction). */
function isAllCaps(text: string, token: Token): boolean {
  if (token.end - token.start < 2) return false;
  const second = text[token.start + 1];
  return second !== second.toLowerCase();
}

function skipTitleDot(text: string, index: number): number {
  return text[index] === '.' ? index + 1 : index;
}

/** Capitalized words (or initials "J.") right after `index`, separated by single spaces. */
function collectFollowers(text: string, index: number): Token[] {
  const followers: Token[] = [];
  let cursor = index;
  while (followers.length < MAX_NAME_TOKENS - 1 && text[cursor] === ' ') {
    CAPITALIZED_AT.lastIndex = cursor + 1;
    const next = CAPITALIZED_AT.exec(text);
    if (!next) break;
    const token = toToken(next.index, next[0]);
    if (NOT_NAME_WORDS.has(token.lower) || isAllCaps(text, token) && token.end - token.start > 1) break;
    const isInitial = token.end - token.start === 1;
    if (isInitial && text[token.end] !== '.') break;
    followers.push(isInitial ? { ...token, end: token.end + 1 } : token);
    cursor = followers[followers.length - 1].end;
    if (/['’]s$/.test(text.slice(token.start, token.end + 2))) break; // possessive ends the name
  }
  while (followers.length > 0 && followers[followers.length - 1].end - followers[followers.length - 1].start <= 2) followers.pop();
  return followers;
}
export const CAPITALIZED_AT = /\p{Lu}[\p{L}\p{M}'’-]{0,30}/uy;

function titled(followers: Token[]): Finding | undefined {
  if (followers.length === 0) return undefined;
  return span(followers[0].start, followers[followers.length - 1].end, 0.85);
}

function named(text: string, first: Token, followers: Token[]): Finding | undefined {
  if (NOT_NAME_WORDS.has(first.lower)) return undefined;
  const before = textBefore(text, first.start, 32);
  if (followers.length === 0 && (first.end - first.start < 3 || followsCapitalizedWord(text, first.start) || ORGANISATION_AFTER.test(text.slice(first.end, first.end + 40)) || ORGANISATION_BEFORE.test(text.slice(Math.max(0, first.start - 40), first.start)))) {
    return undefined; // part of a longer proper noun: "West Barton", "Ritchie LLC", "Farrell, Durgan and ..."
  }
  const strongCue = STRONG_CUE.test(before);
  const end = followers.length > 0 ? followers[followers.length - 1].end : first.end;
  if (!FIRST_NAMES.has(first.lower)) {
    if (strongCue && followers.length > 0) return span(first.start, end, 0.7);
    if (IDENTITY_CUE.test(before)) return span(first.start, end, 0.6);
    return GREETING.test(before) && /^[,!:]/.test(text[first.end] ?? '') ? span(first.start, end, 0.6) : undefined;
  }
  const ambiguous = AMBIGUOUS_FIRST_NAMES.has(first.lower);
  if (followers.length > 0) return span(first.start, end, ambiguous && !strongCue ? 0.6 : 0.8);
  if (!ambiguous) return span(first.start, end, strongCue ? 0.75 : 0.6);
  return strongCue || WEAK_CUE.test(before) ? span(first.start, end, 0.6) : undefined;
}

function followsCapitalizedWord(text: string, start: number): boolean {
  if (text[start - 1] !== ' ') return false;
  const wordStart = text.lastIndexOf(' ', start - 2) + 1;
  const word = text.slice(wordStart, start - 1);
  return /^\p{Lu}\p{L}{1,30}$/u.test(word) && !TITLES.has(word.toLowerCase()) && !STRONG_CUE.test(word.toLowerCase()) && !WEAK_CUE.test(word.toLowerCase());
}

function span(start: number, end: number, confidence: number): Finding {
  return { type: 'PERSON', start, end, confidence, detector: 'person' };
}
