import { DEFAULT_MAX_INPUT_BYTES, assertWithinLimit } from './errors';
import { mapTextFields, type DatasetFormat } from './records';
import { parseLine } from './redactJsonl';
import { PLACEHOLDER } from './surrogates/recognize';
import { RESERVED_EMAIL_DOMAIN, SURROGATE_NAME_WORDS, SURROGATE_STREET_WORDS } from './surrogates/lexicon';

/**
 * The verification gate's second opinion (issue 12, point 4): a check that does not share the
 * detectors' resources or logic, so it can see what they miss. It knows no name list, no
 * everyday-word list, no checksum and no name model. It reads the *dataset's own statistics*:
 *
 *  - PERSON — a proper-name test by capitalisation, learned from the dataset in a first pass:
 *    a word written capitalised in mid-sentence somewhere and never written in lower case
 *    anywhere, and never after an article or determiner ("the", "der", "une"...), is a proper
 *    name, unless it is frequent (capitalised in over 1 % of the texts and over 20 times: the
 *    dataset's own vocabulary — boilerplate, products, German nouns; a name repeated that often
 *    is left to the engine). In a second pass every text that holds such a word is a suspicion.
 *    Country, language, month and weekday names (from the runtime's CLDR data via `Intl`) and
 *    our own surrogate vocabulary are not suspicions. It also flags places, products and firms
 *    — it is a reviewer's list, not a detector.
 *  - EMAIL — any `local@domain.tld` shape outside the reserved example domains, without the
 *    engine's URL/scope rules.
 *  - NATIONAL_ID — a number of 7+ digits (letters allowed) after an identity-document word
 *    (SSN, NINO, BSN, DNI, CPF, passport...), with no checksum: catches schemes the engine does
 *    not know and numbers its checks rejected.
 *
 * Results are counts and line numbers per type, never values. Memory: the first pass keeps
 * per-word counts for at most `maxVocabulary` distinct words (words past the cap count as
 * unseen in lower case, which errs towards reporting); the suspicion list is capped. Every
 * scan is a bounded regex or a character loop: linear in the text.
 */
export const SECOND_OPINION_VERSION = 'capitalisation-statistics 1';
export const SECOND_OPINION_TYPES = ['PERSON', 'EMAIL', 'NATIONAL_ID'] as const;

export interface Suspicion {
  line: number;
  type: string;
  field: string;
}

export interface SecondOpinionResult {
  method: string;
  /** What the policy does with suspicions: 'fail' the run, or let it continue for 'review'. */
  onSuspicion: 'review' | 'fail';
  recordsScanned: number;
  /** Distinct (line, field, type) suspicions; exact even when the list is truncated. */
  suspicionCount: number;
  suspicions: Suspicion[];
  suspicionsTruncated: boolean;
  suspicionsByType: Record<string, number>;
}

export interface SecondOpinionOptions {
  format: DatasetFormat;
  onSuspicion?: 'review' | 'fail';
  /** Suspicions kept in the result (the count is always exact); default 1000. */
  maxSuspicions?: number;
  /** Distinct words whose capitalisation is tracked in the first pass; default 500 000. */
  maxVocabulary?: number;
  maxInputBytes?: number;
}

type Lines = AsyncIterable<string> | Iterable<string>;

/**
 * Runs the second opinion over (already redacted) JSONL. It reads the dataset twice, so it takes
 * a function that opens the lines afresh (a file stream, an array).
 */
export async function secondOpinionJsonl(openLines: () => Lines, options: SecondOpinionOptions): Promise<SecondOpinionResult> {
  const stats = createWordStatistics(options.maxVocabulary ?? 500_000);
  await forEachText(openLines(), options, (text) => stats.observe(text));
  const maxSuspicions = options.maxSuspicions ?? 1000;
  const result: SecondOpinionResult = {
    method: SECOND_OPINION_VERSION,
    onSuspicion: options.onSuspicion ?? 'review',
    recordsScanned: 0,
    suspicionCount: 0,
    suspicions: [],
    suspicionsTruncated: false,
    suspicionsByType: {},
  };
  result.recordsScanned = await forEachText(openLines(), options, (text, line, field) => {
    for (const type of suspectTypes(text, stats)) {
      result.suspicionCount++;
      result.suspicionsByType[type] = (result.suspicionsByType[type] ?? 0) + 1;
      if (result.suspicions.length < maxSuspicions) result.suspicions.push({ line, type, field });
      else result.suspicionsTruncated = true;
    }
  });
  return result;
}

/** The second opinion of one text, given the statistics of the dataset it belongs to. */
export function suspectTypes(text: string, stats: WordStatistics): string[] {
  const masked = maskPlaceholders(text);
  const types: string[] = [];
  if (hasSuspectedName(masked, stats)) types.push('PERSON');
  if (hasSuspectedEmail(masked)) types.push('EMAIL');
  if (hasSuspectedIdNumber(masked)) types.push('NATIONAL_ID');
  return types;
}

async function forEachText(lines: Lines, options: SecondOpinionOptions, visit: (text: string, line: number, field: string) => void): Promise<number> {
  const maxInputBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  let lineNumber = 0;
  let records = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    records++;
    assertWithinLimit(line, maxInputBytes, lineNumber);
    mapTextFields(parseLine(line, lineNumber), options.format, lineNumber, (text, field) => {
      visit(text, lineNumber, field);
      return undefined;
    });
  }
  return records;
}

/** Placeholders ([PERSON], [EMAIL:ab12cd34ef]) become spaces: neither words nor digits. */
function maskPlaceholders(text: string): string {
  PLACEHOLDER.lastIndex = 0;
  return text.indexOf('[') === -1 ? text : text.replace(PLACEHOLDER, (m) => ' '.repeat(m.length));
}

// ---------------------------------------------------------------------------------------------
// PERSON: capitalisation statistics

/** Words: letters, marks, inner apostrophes and hyphens; bounded. */
const WORD = /\p{L}[\p{L}\p{M}'’-]{0,40}/gu;
/** Articles, determiners and possessives of the support languages: a capitalised word after one is a noun. */
const DETERMINERS = new Set([
  'the', 'a', 'an', 'my', 'your', 'our', 'their', 'this', 'that', 'these', 'those', 'its', 'his', 'her', 'any', 'every', 'each', 'some', 'no',
  'der', 'die', 'das', 'den', 'dem', 'des', 'ein', 'eine', 'einen', 'einem', 'einer', 'eines', 'kein', 'keine', 'keinen', 'mein', 'meine', 'meinen', 'meinem', 'meiner',
  'ihr', 'ihre', 'ihren', 'ihrem', 'ihrer', 'unser', 'unsere', 'unseren', 'dieser', 'diese', 'dieses', 'diesen', 'diesem', 'am', 'im', 'zum', 'zur', 'vom', 'beim',
  'le', 'les', 'un', 'une', 'mon', 'ma', 'mes', 'votre', 'vos', 'notre', 'nos', 'ce', 'cette', 'ces', 'du', 'au', 'aux',
  'el', 'los', 'las', 'una', 'unos', 'unas', 'mi', 'mis', 'tu', 'su', 'sus', 'nuestro', 'nuestra', 'este', 'esta', 'al',
  'il', 'lo', 'gli', 'uno', 'mio', 'mia', 'suo', 'sua', 'questo', 'questa', 'nel', 'nella', 'della', 'dello',
  'os', 'um', 'uma', 'meu', 'minha', 'seu', 'sua', 'esse', 'essa', 'no', 'na', 'do', 'da',
  'het', 'een', 'mijn', 'uw', 'ons', 'onze', 'deze', 'dit',
]);
/** Capitalised but not people: countries, languages, months, weekdays (CLDR via Intl), pronouns of address. */
const NOT_PEOPLE: ReadonlySet<string> = buildNotPeople();

function buildNotPeople(): Set<string> {
  const words = new Set<string>();
  const add = (name: string | undefined) => {
    if (!name) return;
    for (const word of name.split(/[\s,()-]+/)) if (word.length > 1) words.add(word.toLowerCase());
  };
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  for (const locale of ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl']) {
    const regions = new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' });
    const languages = new Intl.DisplayNames([locale], { type: 'language', fallback: 'none' });
    for (const a of letters) for (const b of letters) {
      try { add(regions.of(a + b)); } catch { /* not a region code */ }
      try { add(languages.of((a + b).toLowerCase())); } catch { /* not a language code */ }
    }
    for (let month = 0; month < 12; month++) {
      const date = new Date(Date.UTC(2024, month, 1));
      add(new Intl.DateTimeFormat(locale, { month: 'long', timeZone: 'UTC' }).format(date));
      add(new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' }).format(date).replace('.', ''));
    }
    for (let day = 0; day < 7; day++) {
      add(new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1 + day))));
    }
  }
  for (const word of [...SURROGATE_NAME_WORDS, ...SURROGATE_STREET_WORDS]) words.add(word.toLowerCase());
  // Pronouns of address written capitalised ("prüfen Sie", "Usted", "Lei", Dutch "U").
  for (const word of ['sie', 'ihnen', 'ihr', 'ihre', 'ihren', 'ihrem', 'ihrer', 'ihres', 'usted', 'ustedes', 'lei', 'vous', 'u', 'uw']) words.add(word);
  return words;
}

export interface WordStatistics {
  observe(text: string): void;
  /** Seen capitalised mid-sentence, never in lower case, never after a determiner. */
  isProperName(lower: string): boolean;
}

const CAP_MID = 1;
const LOWER = 2;
const AFTER_DETERMINER = 4;
const FREQUENT_SHARE = 0.01;

export function createWordStatistics(maxVocabulary: number): WordStatistics {
  // lower-cased word → capitalised-occurrence count × 8 + flags
  const entries = new Map<string, number>();
  let texts = 0;
  const mark = (lower: string, flag: number, count: number) => {
    const current = entries.get(lower);
    if (current === undefined) {
      if (entries.size < maxVocabulary) entries.set(lower, count * 8 + flag);
    } else entries.set(lower, (current | flag) + count * 8);
  };
  return {
    observe(text: string): void {
      texts++;
      const masked = maskPlaceholders(text);
      visitWords(masked, (word, start, previous) => {
        const lower = word.toLowerCase();
        const shape = caseShape(word);
        if (shape === 'lower') mark(lower, LOWER, 0);
        else if (shape === 'title') {
          if (previous !== undefined && DETERMINERS.has(previous)) mark(lower, AFTER_DETERMINER, 1);
          else mark(lower, sentenceInitial(masked, start) ? 0 : CAP_MID, 1);
        }
      });
    },
    isProperName(lower: string): boolean {
      const entry = entries.get(lower);
      // Words beyond the vocabulary cap are unknown: treat them as proper names (errs towards review).
      if (entry === undefined) return entries.size >= maxVocabulary;
      // A capitalised word in more than 1 % of the texts (and over 20 times) is the dataset's own
      // vocabulary — boilerplate, product names, German nouns — not a residual personal name.
      return (entry & 7) === CAP_MID && entry >> 3 <= Math.max(20, texts * FREQUENT_SHARE);
    },
  };
}

/** Calls visit(word, start, previousWordLowerCase) for every word. */
function visitWords(text: string, visit: (word: string, start: number, previous: string | undefined) => void): void {
  WORD.lastIndex = 0;
  let previous: string | undefined;
  let previousEnd = -1;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
    const word = m[0].replace(/['’-]+$/, '');
    // Only a word directly before (one space) counts as "previous".
    visit(word, m.index, previousEnd === m.index - 1 && text[previousEnd] === ' ' ? previous : undefined);
    previous = word.toLowerCase();
    previousEnd = m.index + m[0].length;
  }
}

type Shape = 'lower' | 'title' | 'other';

/** 'title': upper-case first letter, then lower case (inner capitals only after ' or -, or Mc/Mac). */
function caseShape(word: string): Shape {
  const first = word[0];
  if (first === first.toLowerCase()) return first === first.toUpperCase() ? 'other' : 'lower';
  if (word.length < 2) return 'other';
  for (let i = 1; i < word.length; i++) {
    const c = word[i];
    if (c !== c.toLowerCase()) {
      const prev = word[i - 1];
      if (prev === "'" || prev === '’' || prev === '-' || /^(?:Mc|Mac)$/.test(word.slice(0, i))) continue;
      return 'other';
    }
  }
  return 'title';
}

/** At the start of the text or after sentence punctuation, a line break or a bullet. */
function sentenceInitial(text: string, start: number): boolean {
  for (let i = start - 1, seen = 0; i >= 0 && seen < 8; i--, seen++) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '"' || c === '“' || c === '«' || c === '(' || c === '¿' || c === '¡' || c === "'") continue;
    return c === '.' || c === '!' || c === '?' || c === '\n' || c === '\r' || c === '…' || c === '•' || c === '*' || c === '-' || c === '>' || c === '。';
  }
  return true;
}

function hasSuspectedName(text: string, stats: WordStatistics): boolean {
  let found = false;
  visitWords(text, (word) => {
    if (found || caseShape(word) !== 'title') return;
    const lower = word.toLowerCase();
    if (!NOT_PEOPLE.has(lower) && stats.isProperName(lower)) found = true;
  });
  return found;
}

// ---------------------------------------------------------------------------------------------
// EMAIL: the address shape alone

const EMAIL_LOCAL = /[A-Za-z0-9._%+'-]/;
const EMAIL_DOMAIN = /[A-Za-z0-9.-]/;

function hasSuspectedEmail(text: string): boolean {
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let left = at;
    while (left > 0 && at - left < 64 && EMAIL_LOCAL.test(text[left - 1])) left--;
    let right = at + 1;
    while (right < text.length && right - at < 254 && EMAIL_DOMAIN.test(text[right])) right++;
    const domain = text.slice(at + 1, right).replace(/\.+$/, '');
    if (left === at || !/^[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}$/.test(domain)) continue;
    if (!RESERVED_EMAIL_DOMAIN.test(domain)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// NATIONAL_ID: a long number after an identity-document word, no checksum

/** Identity-document words of the support languages, lower case, whole words. */
const ID_CUE = /(?:^|[^\p{L}])(?:ssn|social security|national insurance|nino|nhs|bsn|burgerservicenummer|dni|nie|nif|cpf|sin|nas|aadhaar|aadhar|pan|tfn|tax file|steuer-?id|steueridentifikationsnummer|identifikationsnummer|codice fiscale|insee|nir|sécurité sociale|passport|passeport|pasaporte|passaporto|passaporte|reisepass|paspoort|ausweis|id number|identity number|id card|personalausweis|carte d'identité|documento)(?:[^\p{L}]|$)/u;
/** A number-like token: up to three capitals, then a digit, digits and capitals with inner separators (40 at most). */
const ID_TOKEN = /[A-Z]{0,3} ?[0-9][0-9A-Z .\/-]{4,36}[0-9A-Z]/g;

function hasSuspectedIdNumber(text: string): boolean {
  ID_TOKEN.lastIndex = 0;
  for (let m = ID_TOKEN.exec(text); m !== null; m = ID_TOKEN.exec(text)) {
    const token = m[0].trim();
    let digits = 0;
    for (let i = 0; i < token.length; i++) if (token.charCodeAt(i) >= 48 && token.charCodeAt(i) <= 57) digits++;
    if (digits < 6) continue;
    const context = text.slice(Math.max(0, m.index - 40), m.index + m[0].search(/[0-9]/)).toLowerCase();
    // A pseudonymised SSN (area 666) is our own fake, as the engine's verification also accepts.
    if (ID_CUE.test(context) && !/^666[- ]?\d\d[- ]?\d{4}$/.test(token.trim())) return true;
  }
  return false;
}
