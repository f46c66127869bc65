import { stdnum } from 'stdnum';
import type { Detector, Finding } from '../types';
import { digitsOf, isWordCharAt, textBefore } from '../text';

/**
 * National identifiers (entity NATIONAL_ID): a fixed-width candidate shape per scheme, then the
 * scheme's own validation from stdnum (a maintained port of python-stdnum: check digits, date
 * and region rules) — except the NHS number, which stdnum lacks (mod 11, below).
 * Schemes whose check is weak against random digits (1 in 10 or 11 pass: Steuer-ID, BSN, SIN,
 * TFN, NHS, bare CPF) or that have none (passports) need their own cue within a few words
 * before ("BSN", "Steuer-ID", "passport no."); schemes with a distinctive shape and a strong
 * check (NINO, NIR, DNI/NIE, codice fiscale, PAN, CPF with punctuation, spaced Aadhaar) do not.
 */
interface Scheme {
  kind: string;
  candidate: RegExp;
  valid(value: string): boolean;
  /** Tested on the lower-cased text just before the candidate. */
  cue?: (before: string) => boolean;
  cueRequired: boolean;
}

/** Separator between a cue, its short words and the number ("passport no.: ", "bsn = "). */
export const CUE_SEPARATOR = /[\s:#.,=-]/u;
/** A character of a short word after a cue ("ist", "no.", "number", "nº"). */
export const CUE_WORD_CHAR = /[\p{L}°º.]/u;

/**
 * A cue (any of `names`, lower case), then up to three short words (1–10 characters, each after
 * 1–4 separators) and up to 4 separators, ending right before the candidate. This was one regex
 * with a repeated group of words (a nested quantifier, above patternSafety's budget); the names
 * are now found with indexOf and what follows them is matched by a small automaton, in time
 * linear in the 48-character window.
 */
function cueBefore(...names: string[]): (before: string) => boolean {
  return (before) => names.some((name) => {
    for (let at = before.indexOf(name); at !== -1; at = before.indexOf(name, at + 1)) {
      if (cueTailMatches(before, at + name.length)) return true;
    }
    return false;
  });
}

const MAX_CUE_WORDS = 3;
const MAX_CUE_WORD_LENGTH = 10;
const MAX_CUE_SEPARATORS = 4;

/**
 * Whether `text` from `from` to its end is (separators{1,4} word{1,10}){0,3} separators{0,4}. States
 * are [phase, words done, run length]: phase 0 = at a word boundary (or after a word), 1 = in the
 * separators before a word, 2 = in a word, 3 = in the trailing separators. A '.' is both a
 * separator and a word character, so several states may be live at once (at most 3 · 4 + 3 · 10 + 5).
 */
export function cueTailMatches(text: string, from: number): boolean {
  let states = new Set<number>([encode(0, 0, 0)]);
  for (const c of text.slice(from)) {
    const separator = CUE_SEPARATOR.test(c);
    const word = CUE_WORD_CHAR.test(c);
    const next = new Set<number>();
    for (const state of states) {
      const phase = Math.floor(state / 10_000);
      const words = Math.floor(state / 100) % 100;
      const run = state % 100;
      // A word that has at least one character may end here: the boundary after it.
      const atBoundary = phase === 0 || phase === 2;
      const done = phase === 2 ? words + 1 : words;
      if (atBoundary && separator) {
        next.add(encode(3, 0, 1));
        if (done < MAX_CUE_WORDS) next.add(encode(1, done, 1));
      }
      if (phase === 1 && separator && run < MAX_CUE_SEPARATORS) next.add(encode(1, words, run + 1));
      if (phase === 1 && word) next.add(encode(2, words, 1));
      if (phase === 2 && word && run < MAX_CUE_WORD_LENGTH) next.add(encode(2, words, run + 1));
      if (phase === 3 && separator && run < MAX_CUE_SEPARATORS) next.add(encode(3, 0, run + 1));
    }
    if (next.size === 0) return false;
    states = next;
  }
  for (const state of states) if (Math.floor(state / 10_000) !== 1) return true;
  return false;
}

function encode(phase: number, words: number, run: number): number {
  return phase * 10_000 + words * 100 + run;
}

const check = (country: string, kind: string) => (value: string) => stdnum[country][kind].validate(value).isValid === true;

/** NINO core: two letters and six digits, in pairs or not, spaced or hyphenated, any case; the suffix is read by hand. */
export const NINO = /[A-Za-z]{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}/g;
export const TEN_DIGITS_3_3_4 = /\d{3}[ -]?\d{3}[ -]?\d{4}/g;
export const NIR = /[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}/g;
export const ELEVEN_DIGITS_2_3_3_3 = /\d{2} ?\d{3} ?\d{3} ?\d{3}/g;
export const DNI = /\d{8}-?[A-Z]/g;
export const NIE = /[XYZ]-?\d{7}-?[A-Z]/g;
export const CODICE_FISCALE = /[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]/g;
export const BSN = /\d{4}\.?\d{2}\.?\d{3}/g;
export const AADHAAR = /[2-9]\d{3} ?\d{4} ?\d{4}/g;
export const PAN = /[A-Z]{3}[PCHFATBLJG][A-Z]\d{4}[A-Z]/g;
export const NINE_DIGITS_3_3_3 = /\d{3}[ -]?\d{3}[ -]?\d{3}/g;
export const TFN = /\d{3} ?\d{3} ?\d{2,3}/g;
export const CPF_PUNCTUATED = /\d{3}\.\d{3}\.\d{3}-\d{2}/g;
export const CPF_BARE = /\d{11}/g;
export const PASSPORT = /[A-Z0-9]{6,9}/g;

const SCHEMES: Scheme[] = [
  { kind: 'GB_NHS', candidate: TEN_DIGITS_3_3_4, valid: (v) => nhsValid(digitsOf(v)), cue: cueBefore('nhs'), cueRequired: true },
  { kind: 'FR_NIR', candidate: NIR, valid: check('FR', 'nir'), cueRequired: false },
  { kind: 'DE_STEUER_ID', candidate: ELEVEN_DIGITS_2_3_3_3, valid: check('DE', 'idnr'), cue: cueBefore('steuer-id', 'steuerid', 'steueridentifikationsnummer', 'steuer-identifikationsnummer', 'identifikationsnummer', 'idnr', 'tax id', 'tin'), cueRequired: true },
  { kind: 'ES_DNI', candidate: DNI, valid: check('ES', 'dni'), cueRequired: false },
  { kind: 'ES_NIE', candidate: NIE, valid: check('ES', 'nie'), cueRequired: false },
  { kind: 'IT_CODICE_FISCALE', candidate: CODICE_FISCALE, valid: check('IT', 'codicefiscale'), cueRequired: false },
  { kind: 'NL_BSN', candidate: BSN, valid: check('NL', 'bsn'), cue: cueBefore('bsn', 'burgerservicenummer', 'sofinummer', 'sofi-nummer'), cueRequired: true },
  { kind: 'IN_AADHAAR', candidate: AADHAAR, valid: check('IN', 'aadhaar'), cue: cueBefore('aadhaar', 'aadhar', 'uidai', 'uid', 'आधार'), cueRequired: false },
  { kind: 'IN_PAN', candidate: PAN, valid: check('IN', 'pan'), cueRequired: false },
  { kind: 'CA_SIN', candidate: NINE_DIGITS_3_3_3, valid: check('CA', 'sin'), cue: cueBefore('sin', 'social insurance number', 'social insurance', 'nas', 'assurance sociale'), cueRequired: true },
  { kind: 'AU_TFN', candidate: TFN, valid: check('AU', 'tfn'), cue: cueBefore('tfn', 'tax file number', 'tax file'), cueRequired: true },
  { kind: 'BR_CPF', candidate: CPF_PUNCTUATED, valid: check('BR', 'cpf'), cueRequired: false },
  { kind: 'BR_CPF', candidate: CPF_BARE, valid: check('BR', 'cpf'), cue: cueBefore('cpf'), cueRequired: true },
  { kind: 'PASSPORT', candidate: PASSPORT, valid: (v) => /\d.{0,8}\d/.test(v), cue: cueBefore('passport', 'reisepass', 'passeport', 'pasaporte', 'passaporto', 'paspoort', 'passaporte', 'pass-nr', 'passnr'), cueRequired: true },
];

export const nationalIdDetector: Detector = {
  name: 'national_id',
  version: '3',
  detect(text: string, out: Finding[]): void {
    detectNino(text, out);
    for (const scheme of SCHEMES) {
      scheme.candidate.lastIndex = 0;
      let match: RegExpExecArray | null;
      while ((match = scheme.candidate.exec(text)) !== null) {
        const start = match.index;
        const end = start + match[0].length;
        if (isWordCharAt(text, start - 1) || isWordCharAt(text, end) || continuesNumber(text, start, end, match[0].includes(' '))) {
          scheme.candidate.lastIndex = start + 1; // a shorter shape may start inside a longer token
          continue;
        }
        const cued = scheme.cue?.(textBefore(text, start, 48)) ?? false;
        if (scheme.cueRequired && !cued) continue;
        if (!scheme.valid(match[0])) continue;
        out.push({ type: 'NATIONAL_ID', start, end, confidence: cued ? 0.96 : 0.9, detector: 'national_id' });
      }
    }
  },
};

const ninoValid = check('GB', 'nino');
/** "NI number", "NI no.", "NINO", "national insurance number", "N.I.": each starting a word. */
const NINO_CUES = ['national insurance', 'nat. ins', 'nat ins', 'nino', 'n.i.', 'ni'];

function ninoCued(before: string): boolean {
  return NINO_CUES.some((name) => {
    for (let at = before.indexOf(name); at !== -1; at = before.indexOf(name, at + 1)) {
      if (isWordCharAt(before, at - 1)) continue; // "alumni", "Giovanni", "mini"
      if (cueTailMatches(before, at + name.length)) return true;
    }
    return false;
  });
}

const isSuffixCode = (c: number) => (c >= 65 && c <= 68) || (c >= 97 && c <= 100); // A–D, a–d

/**
 * UK National Insurance number (GB_NINO), as written: "AB 12 34 56 C", "AB123456C", "AB 123456 C",
 * "AB-12-34-56-C", lower case in chat ("ab123456c"), and without the final letter, which HMRC
 * allows to be omitted ("AB 12 34 56"). The check is stdnum's (HMRC's prefix rules: no D, F, I, Q,
 * U, V as either letter, no O second, never BG, GB, KN, NK, NT, TN, ZZ; suffix A–D when present).
 * Two letters and six digits is also the shape of many order and booking references, so the
 * forms that are not distinctive — no suffix, or spaced lower case — need an NI cue before them;
 * an upper-case number with its suffix, or a compact lower-case one ("ab123456c"), does not.
 */
function detectNino(text: string, out: Finding[]): void {
  NINO.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = NINO.exec(text)) !== null) {
    const start = match.index;
    const coreEnd = start + match[0].length;
    // The optional suffix letter, glued or after one separator, ending a word.
    let end = coreEnd;
    let glued = false;
    if (isSuffixCode(text.charCodeAt(coreEnd)) && !isWordCharAt(text, coreEnd + 1)) {
      end = coreEnd + 1;
    } else if ((text[coreEnd] === ' ' || text[coreEnd] === '-') && isSuffixCode(text.charCodeAt(coreEnd + 1)) && !isWordCharAt(text, coreEnd + 2)) {
      end = coreEnd + 2;
    } else if (isWordCharAt(text, coreEnd)) {
      glued = true; // "AB123456E", "AB1234567": another token
    }
    const spaced = text.slice(start, end).includes(' ');
    if (glued || isWordCharAt(text, start - 1) || continuesNumber(text, start, end, spaced)) {
      NINO.lastIndex = start + 1;
      continue;
    }
    const value = text.slice(start, end);
    const hasSuffix = end > coreEnd;
    const upper = value === value.toUpperCase();
    const compactLower = value === value.toLowerCase() && !value.includes(' ') && !value.includes('-');
    const distinctive = hasSuffix && (upper || compactLower);
    const cued = ninoCued(textBefore(text, start, 48));
    if (!distinctive && !cued) continue;
    if (!ninoValid(value)) continue;
    out.push({ type: 'NATIONAL_ID', start, end, confidence: cued ? 0.96 : 0.9, detector: 'national_id' });
  }
}

/**
 * "1234-5678-9012-3456", "v1.2.3": a candidate glued to more digits by '.', '-' or '/' is part of
 * another number; so is a candidate written in spaced groups with a further spaced group of
 * digits ("4699 0097 5359 1234" is a card number, not a 12-digit Aadhaar and four more digits).
 */
function continuesNumber(text: string, start: number, end: number, spaced: boolean): boolean {
  const before = text[start - 1];
  const after = text[end];
  const glue = (c: string | undefined) => c === '-' || c === '.' || c === '/' || (spaced && c === ' ');
  return (glue(before) && /\d/.test(text[start - 2] ?? '')) || (glue(after) && /\d/.test(text[end + 1] ?? ''));
}

/** NHS number: weights 10..2 over the first nine digits, check = 11 − (sum mod 11); 10 is invalid. */
export function nhsValid(digits: string): boolean {
  if (digits.length !== 10) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (digits.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === digits.charCodeAt(9) - 48;
}
