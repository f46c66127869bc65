import type { Detector, Finding } from '../types';
import { AMBIGUOUS_FIRST_NAMES } from '../lexicon/ambiguousNames';
import { evidenceFor, nameEvidence, type WordEvidence } from '../names/classify';
import { COMMON_FOR_NAMES_RANK } from '../names/commonWords';
import { isWordCharAt, textBefore } from '../text';
import { findCjkNames } from './personCjk';

/**
 * PERSON from name resources, a character model and context cues, in seven languages (see
 * names/ and docs/benchmarks.md "Redaction"):
 *  - a title ("Mr.", "Frau", "Mme", "Sra.", "Dhr.") or a strong cue ("Dear", "my name is",
 *    "je m'appelle", "Mit freundlichen Grüßen") followed by capitalized words → a name;
 *  - a capitalized run of 2–4 words, with particles ("de", "van der", "bin", "al-"), where the
 *    first is a listed given or family name or reads as a name to the character model, and every
 *    word has name evidence → a name ("Oluwaseun Adeyemi", "Nguyen Van An", "Will Turner");
 *  - a listed given name alone, unless it is also an everyday word ("Will", "May", "Grant", "Can")
 *    — those need a family name or a cue, which keeps sentence starts clean;
 *  - after an identity cue, lower-case chat names too ("my name is priya sharma");
 *  - Han / Kana / Hangul names after cues or before honorifics (personCjk.ts).
 * Capitalized words are found by one bounded regex pass; everything else is set lookups.
 */
export const CAPITALIZED = /\p{Lu}[\p{L}\p{M}'’-]{0,30}/gu;
export const CAPITALIZED_AT = /\p{Lu}[\p{L}\p{M}'’-]{0,30}/uy;
/** A lower-case word right after a cue ("priya"), for chat text without capitals. */
export const LOWER_WORD_AT = /\p{Ll}[\p{L}\p{M}'’-]{1,30}/uy;
/** Particles inside names: "de la", "van der", "bin", "dos", "al-" (al-/el- glue to the next word). */
const PARTICLES = new Set(['de', 'da', 'di', 'do', 'dos', 'das', 'del', 'della', 'der', 'den', 'van', 'von', 'ter', 'ten', 'le', 'la', 'du', 'des', 'bin', 'binti', 'bint', 'ibn', 'ben', 'bat', 'al', 'el', 'abu', 'y', 'e', 'zu', "d'", 'los', 'las']);
export const GLUED_PARTICLE_AT = /(?:al|el|ad|as|at|ash|ar|az|an|ul|ud|bin)-/uy;
const TITLES = new Set([
  'mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'madam', 'mister', 'doctor', 'professor',
  'herr', 'frau', 'fräulein', 'm', 'mme', 'mlle', 'monsieur', 'madame', 'sr', 'sra', 'srta', 'señor', 'señora', 'don', 'doña',
  'sig', 'sig.ra', 'signor', 'signora', 'dott', 'dott.ssa', 'dona', 'dhr', 'mevr', 'mevrouw', 'meneer', 'ing', 'mag',
]);
export const STRONG_CUE = /(?:\b(?:dear|my name is|name is|name:|i am|i'm|this is|signed|regards|sincerely|yours truly|best wishes|spoke (?:with|to)|talked to|ask for|assigned to|attn|attention|patient|employee|named|liebe|lieber|hallo|sehr geehrte|sehr geehrter|mein name ist|ich heiße|ich bin|grüßen|grüße|gruß|bonjour|cher|chère|je m'appelle|je suis|mon nom est|cordialement|salutations|hola|estimado|estimada|querido|querida|me llamo|mi nombre es|soy|saludos|atentamente|ciao|gentile|caro|cara|mi chiamo|il mio nome è|sono|saluti|olá|oi|prezado|prezada|meu nome é|me chamo|chamo-me|sou|atenciosamente|cumprimentos|beste|geachte|mijn naam is|ik heet|ik ben|groeten|groet)|^name|\bnom|\bnombre|\bnome)[\s,.:]{0,4}$/;
/** Cues strong enough to accept one word that is in no list, or lower-case words. */
export const IDENTITY_CUE = /\b(?:dear|my name is|name is|name:|i am|i'm|signed|regards|sincerely|liebe|lieber|mein name ist|ich heiße|grüßen|grüße|je m'appelle|mon nom est|cordialement|me llamo|mi nombre es|saludos|atentamente|mi chiamo|il mio nome è|saluti|meu nome é|me chamo|chamo-me|atenciosamente|mijn naam is|ik heet|groeten)[\s,.:]{0,4}$/;
/**
 * Self-introductions and sign-offs: what follows is the writer's name, so capitalized words that
 * are also everyday words somewhere ("Costa", "Rosa", "Marques") are read as names; only
 * function words and core verbs are not ("I am Happy to help" is rare; "I am The" never).
 */
export const INTRODUCTION_CUE = /(?:\b(?:my name is|mein name ist|ich heiße|je m'appelle|mon nom est|me llamo|mi nombre es|mi chiamo|il mio nome è|meu nome é|me chamo|chamo-me|mijn naam is|ik heet)[\s,:]{1,4}|\b(?:regards|sincerely|yours truly|best wishes|grüßen|grüße|cordialement|atentamente|saludos|saluti|cordiali saluti|atenciosamente|cumprimentos|groeten|met vriendelijke groet)[ ,.]{0,3}\n[ \t]{0,4})$/;
/** Weak cues stay inside the sentence: "thanks. Will this work?" is not a cue for "Will". */
export const WEAK_CUE = /\b(?:hi|hello|hey|thanks|thank you|cheers|best|with|and|to|for|ask|tell|call|email|meet|met|mit|und|avec|et|con|y|com|met|en)[\s,:]{0,3}$/;
/** "Hi Ryleigh," / "Hallo Samir!": a greeting plus a single capitalized word closed by punctuation. */
export const GREETING = /\b(?:hi|hello|hey|dear|thanks|thank you|hallo|bonjour|salut|hola|ciao|olá|oi|dag|merci|danke|gracias|grazie|obrigado|obrigada|bedankt)[\s,]{1,3}$/;
/** The tail of a firm name: "Howe, Stoltenberg and Doyle", "Walsh - Lowe". */
export const ORGANISATION_BEFORE = /(?:\p{Lu}[\p{L}'-]{1,30}, \p{Lu}[\p{L}'-]{1,30},? (?:and|&|und|et|y|e|en) |\p{Lu}[\p{L}'-]{1,30} - )$/u;
/** Organisation words that turn a preceding name into a company name ("Ritchie LLC"). */
export const ORGANISATION_AFTER = /^(?: (?:LLC|Inc|Ltd|Corp|Corporation|Group|GmbH|AG|KG|SA|SAS|SARL|SL|SpA|Srl|BV|NV|PLC|Co|Company|and Sons|& Sons)\b|,? (?:and|&|und|et|y|e|en) |, \p{Lu}[\p{L}'-]{1,30} (?:and|und|et|y|e|en) | - )/u;
export const ORGANISATION_SUFFIX = /^,? (?:LLC|Inc|Ltd|Corp|GmbH|AG|KG|SA|SAS|SARL|SL|SpA|Srl|BV|NV|PLC)\b/;
/** A US city line: "…, North Darla, CO 96006" names a town, not a person. */
export const PLACE_AFTER = /^,? [A-Z]{2} \d{5}\b/;
const MAX_NAME_TOKENS = 4;
/** Character-model score both words of an unlisted two-word name must reach. */
const MODEL_ONLY_PAIR = 0.4;
/** The same, after a weak cue ("to", "with") or before a reporting verb ("confirmed", "said"). */
const MODEL_ONLY_PAIR_IN_CONTEXT = 0.1;
/** A person as the subject of a reporting verb: "X Y confirmed the refund", "X Y hat bestätigt". */
export const SUBJECT_VERB_AFTER = /^ (?:confirmed|approved|said|says|asked|called|wrote|replied|mentioned|requested|promised|agreed|emailed|explained|told|answered|escalated|processed|signed|bestätigte|sagte|schrieb|rief|a confirmé|a dit|a écrit|confirmó|dijo|escribió|ha confermato|ha detto|confirmou|disse|escreveu|heeft bevestigd|zei|schreef)\b/;

interface Token {
  start: number;
  end: number;
  lower: string;
  /** A particle ("van", "de", "al-") — part of a name only between name words. */
  particle?: boolean;
}

export const personDetector: Detector = {
  name: 'person',
  version: '5',
  detect(text: string, out: Finding[]): void {
    CAPITALIZED.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = CAPITALIZED.exec(text)) !== null) {
      const first = toToken(match.index, match[0]);
      if (first.end - first.start < 2 || isAllCaps(text, first) || !standsAlone(text, match.index, match.index + match[0].length)) continue;
      const isTitle = TITLES.has(first.lower) && (first.lower.length > 1 || text[first.end] === '.');
      const introduced = !isTitle && INTRODUCTION_CUE.test(textBefore(text, first.start, 40));
      const slot = isTitle || introduced ? 'open' : familySlot(first) || (fillsFamilySlot(evidenceFor(first.lower)) && inNameContext(text, first)) ? 'family' : 'plain';
      const followers = collectFollowers(text, isTitle ? skipTitleDot(text, first.end) : first.end, slot);
      const finding = isTitle ? titled(followers) : named(text, first, followers);
      if (finding) {
        out.push(finding);
        CAPITALIZED.lastIndex = finding.end;
      }
    }
    findLowerCaseNamesAfterCues(text, out);
    findCjkNames(text, out);
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

/**
 * What may follow the first word:
 *  - 'open': after a title ("Mr. Streich") or an introduction / sign-off, any capitalized word
 *    that is not a function word or core verb;
 *  - 'family': after a listed given name, the next word may be an everyday word of the lists'
 *    long tail ("Jarvis Schoen", "Kaylah Streich") — surnames fill subtitle-derived word lists —
 *    but not one from their head ("Sarah Order");
 *  - 'plain': capitalized words that are not everyday words.
 */
type FollowerSlot = 'open' | 'family' | 'plain';

/** A listed given name that is not an everyday word: the next capitalized word fills the family-name slot. */
function familySlot(first: Token): boolean {
  const evidence = evidenceFor(first.lower);
  return evidence.given && nameEvidence(evidence) === 2;
}

/** Before the word a cue ("Dear", "spoke with", "to"), or after the next one or two words a reporting verb ("X Y approved"). */
function inNameContext(text: string, first: Token): boolean {
  const before = textBefore(text, first.start, 32);
  if (STRONG_CUE.test(before) || WEAK_CUE.test(before)) return true;
  SUBJECT_AHEAD.lastIndex = first.end;
  return SUBJECT_AHEAD.test(text);
}
/** One or two more capitalized words, then a reporting verb (bounded, sticky). */
export const SUBJECT_AHEAD = new RegExp(` \\p{Lu}[\\p{L}\\p{M}'’-]{1,30}(?: \\p{Lu}[\\p{L}\\p{M}'’-]{1,30})?${SUBJECT_VERB_AFTER.source.slice(1)}`, 'uy');

/** Long-tail everyday words (rank ≥ COMMON_FOR_NAMES_RANK) in the family-name slot after a listed given name. */
export function fillsFamilySlot(evidence: WordEvidence): boolean {
  return !evidence.closedClass && !(evidence.rank < COMMON_FOR_NAMES_RANK) && !AMBIGUOUS_FIRST_NAMES.has(evidence.lower);
}

/** Capitalized words (initials "J.", particles "van der", "al-") right after `index`, single spaces. */
function collectFollowers(text: string, index: number, slot: FollowerSlot = 'plain'): Token[] {
  const followers: Token[] = [];
  let cursor = index;
  while (followers.length < MAX_NAME_TOKENS + 2 && text[cursor] === ' ') {
    const particle = particleAt(text, cursor + 1);
    if (particle) {
      // "van der Berg", "de la Cruz", "al-Rashid", "d'Angelo": glued particles end in '-' or "'".
      followers.push(particle);
      cursor = particle.end;
      if (text[cursor - 1] === '-' || text[cursor - 1] === "'") {
        const glued = capitalizedAt(text, cursor);
        if (!glued) break;
        followers.push(glued);
        cursor = glued.end;
      }
      continue;
    }
    const token = capitalizedAt(text, cursor + 1);
    if (!token) break;
    const afterParticle = followers.length > 0 && followers[followers.length - 1].particle === true;
    const evidence = evidenceFor(token.lower);
    const everyday =
      slot === 'open' ? evidence.closedClass
      : slot === 'family' && followers.length === 0 && fillsFamilySlot(evidence) ? false
      : evidence.common && !evidence.ambiguous && nameEvidence(evidence) === 0;
    if ((!afterParticle && everyday) || (isAllCaps(text, token) && token.end - token.start > 1)) break;
    const isInitial = token.end - token.start === 1;
    if (isInitial && text[token.end] !== '.') break;
    followers.push(isInitial ? { ...token, end: token.end + 1 } : token);
    cursor = followers[followers.length - 1].end;
    if (/['’]s$/.test(text.slice(token.start, token.end + 2))) break; // possessive ends the name
  }
  while (followers.length > 0 && (followers[followers.length - 1].particle || followers[followers.length - 1].end - followers[followers.length - 1].start <= 2)) followers.pop();
  return followers.slice(0, MAX_NAME_TOKENS);
}

function capitalizedAt(text: string, index: number): Token | undefined {
  CAPITALIZED_AT.lastIndex = index;
  const next = CAPITALIZED_AT.exec(text);
  return next ? toToken(next.index, next[0]) : undefined;
}

function particleAt(text: string, index: number): Token | undefined {
  GLUED_PARTICLE_AT.lastIndex = index;
  const glued = GLUED_PARTICLE_AT.exec(text);
  if (glued && /\p{Lu}/u.test(text[index + glued[0].length] ?? '')) return { start: index, end: index + glued[0].length, lower: glued[0], particle: true };
  let end = index;
  while (end < text.length && end - index < 7 && /[a-z']/.test(text[end])) {
    end++;
    if (text[end - 1] === "'") break;
  }
  const word = text.slice(index, end);
  if (!PARTICLES.has(word)) return undefined;
  if (word.endsWith("'")) return /\p{Lu}/u.test(text[end] ?? '') ? { start: index, end, lower: word, particle: true } : undefined;
  if (text[end] !== ' ') return undefined;
  // Only between name words: the next word is capitalized or another particle ("de la Cruz").
  const next = text.slice(end + 1, end + 8);
  if (!/^\p{Lu}/u.test(next) && !/^(?:la|der|den|los|las|do|da|di) \p{Lu}/u.test(next)) return undefined;
  return { start: index, end, lower: word, particle: true };
}

function titled(followers: Token[]): Finding | undefined {
  const words = followers.filter((t) => !t.particle);
  if (words.length === 0) return undefined;
  return span(followers[0].start, followers[followers.length - 1].end, 0.85);
}

function named(text: string, first: Token, followers: Token[]): Finding | undefined {
  const firstEvidence = evidenceFor(first.lower);
  const before = textBefore(text, first.start, 32);
  const strongCue = STRONG_CUE.test(before);
  if (followers.length === 0 && (first.end - first.start < 3 || followsCapitalizedWord(text, first.start) || ORGANISATION_AFTER.test(text.slice(first.end, first.end + 40)) || ORGANISATION_BEFORE.test(text.slice(Math.max(0, first.start - 40), first.start)))) {
    return undefined; // part of a longer proper noun: "West Barton", "Ritchie LLC", "Farrell, Durgan and ..."
  }
  const runEnd = followers.length > 0 ? followers[followers.length - 1].end : first.end;
  if (PLACE_AFTER.test(text.slice(runEnd, runEnd + 12))) return undefined; // "West Barton, AR 82658"
  if (followers.length > 0 && ORGANISATION_SUFFIX.test(text.slice(followers[followers.length - 1].end, followers[followers.length - 1].end + 12)) && !strongCue) return undefined;
  const finding = strongCue ? cued(text, first, followers, before) : followers.length > 0 ? uncuedRun(text, first, firstEvidence, followers, before) : uncuedSingle(text, first, firstEvidence, before);
  return finding && finding.end > first.end ? finding : (properPair(text, first, before) ?? finding);
}

/** A determiner or possessive before a capitalized pair makes it a thing ("the Genesis Strosin", "my Xiaomi Redmi"). */
export const DETERMINER_BEFORE = /\b(?:the|this|that|these|those|my|your|our|their|his|its|der|die|das|dem|ein|eine|einen|einem|le|les|un|une|el|los|las|il|lo|gli|uno|una|os|um|uma|het|een)\s$/i;

/**
 * v5: two capitalized words that are each a proper-noun candidate — in none of the everyday-word
 * lists (an "unknown" word: "Monteiro", "Rasmussen") or a name by the lists or the model, and
 * never a head word (rank < 1000) — are a name. Each word needs one signal; the pair needs three
 * (both unknown and one name-shaped, or a listed/name-shaped word plus an unknown one), or two in
 * a name context (a cue or a lower-case word before it, a reporting verb after it). Not after a
 * determiner ("the Genesis Strosin"), not inside a longer capitalized run, not before a firm suffix
 * or a US state and ZIP.
 */
function properPair(text: string, first: Token, before: string): Finding | undefined {
  if (text[first.end] !== ' ' || first.end - first.start < 2) return undefined;
  const second = capitalizedAt(text, first.end + 1);
  if (!second || second.end - second.start < 2 || isAllCaps(text, second)) return undefined;
  const firstSignal = properNounSignal(first.lower);
  const secondSignal = properNounSignal(second.lower);
  if (firstSignal === 0 || secondSignal === 0) return undefined;
  // Inside a longer capitalized run ("Golden Gate Bridge") unless the word before is a head word
  // starting the sentence ("Can X Y check", "Is X Y still", "Yesterday X Y").
  const previous = followsCapitalizedWord(text, first.start) ? previousWordLower(text, first.start) : undefined;
  if ((previous !== undefined && !(evidenceFor(previous).rank < COMMON_FOR_NAMES_RANK)) || DETERMINER_BEFORE.test(before)) return undefined;
  if (text[second.end] === ' ' && capitalizedAt(text, second.end + 1) && !evidenceFor(capitalizedAt(text, second.end + 1)!.lower).closedClass) return undefined;
  const tail = text.slice(second.end, second.end + 40);
  if (PLACE_AFTER.test(tail) || PAIR_ORGANISATION_AFTER.test(tail)) return undefined;
  const context = previous !== undefined || STRONG_CUE.test(before) || WEAK_CUE.test(before) || /\p{Ll}[,;:]? $/u.test(before) || SUBJECT_VERB_AFTER.test(tail.slice(0, 16));
  // One of the two must be in no word list: two long-tail words are contextPair's case ("with Amazon Cloud" stays).
  const unknown = evidenceFor(first.lower).rank === Infinity || evidenceFor(second.lower).rank === Infinity;
  return unknown && firstSignal + secondSignal >= (context ? PROPER_PAIR_IN_CONTEXT : PROPER_PAIR) ? span(first.start, second.end, 0.6) : undefined;
}
/** A firm suffix after a pair ("Revolut Business Ltd", "Walsh - Lowe"); "X Y and I" stays a person. */
export const PAIR_ORGANISATION_AFTER = /^(?:,? (?:LLC|Inc|Ltd|Corp|Corporation|Group|GmbH|AG|KG|SA|SAS|SARL|SL|SpA|Srl|BV|NV|PLC|Co|Company|and Sons|& Sons)\b| - )/;
const PROPER_PAIR = 3;
const PROPER_PAIR_IN_CONTEXT = 2;

/** 0–2: one for a word in no everyday-word list, one for a listed or name-shaped word; 0 for head words and the ambiguity list. */
function properNounSignal(lower: string): number {
  const evidence = evidenceFor(lower);
  if (evidence.closedClass || evidence.rank < COMMON_FOR_NAMES_RANK || AMBIGUOUS_FIRST_NAMES.has(lower)) return 0;
  return (evidence.rank === Infinity ? 1 : 0) + (evidence.given || evidence.family || evidence.model > 0 ? 1 : 0);
}

/** After "Dear", "my name is", "je m'appelle"...: capitalized words that are not everyday words. */
function cued(text: string, first: Token, followers: Token[], before: string): Finding | undefined {
  const evidence = evidenceFor(first.lower);
  const introduced = INTRODUCTION_CUE.test(before);
  const words = followers.filter((t) => !t.particle || followers.indexOf(t) < followers.length - 1);
  // "Dear Genesis Strosin": a long-tail everyday word leads a name when a follower is name evidence.
  const evidencedPair = fillsFamilySlot(evidence) && words.some((t) => !t.particle && nameEvidence(evidenceFor(t.lower)) > 0);
  if (introduced ? evidence.closedClass : evidence.common && nameEvidence(evidence) === 0 && !evidencedPair) return undefined; // "Dear Customer", "Hallo Team"
  if (words.length > 0) return span(first.start, words[words.length - 1].end, 0.8);
  if (nameEvidence(evidence) === 2) return span(first.start, first.end, 0.75);
  if (IDENTITY_CUE.test(before) || introduced) return span(first.start, first.end, 0.6);
  return GREETING.test(before) && /^[,!:]/.test(text[first.end] ?? '') ? span(first.start, first.end, 0.6) : undefined;
}

/** "Oluwaseun Adeyemi", "Nguyen Van An", "Maria de la Cruz": every word carries name evidence. */
function uncuedRun(text: string, first: Token, firstEvidence: WordEvidence, followers: Token[], before: string): Finding | undefined {
  const firstScore = nameEvidence(firstEvidence);
  if (firstScore === 0) return contextPair(text, first, firstEvidence, followers, before);
  let total = firstScore;
  let end = first.end;
  let words = 1;
  let modelOnly = firstScore === 1 ? firstEvidence.model : Infinity;
  for (const [index, token] of followers.entries()) {
    if (token.particle) continue;
    const evidence = evidenceFor(token.lower);
    const afterParticle = index > 0 && followers[index - 1].particle === true && !evidence.ambiguous;
    let score = (token.end - token.start === 2 && text[token.end - 1] === '.') || afterParticle ? Math.max(1, nameEvidence(evidence)) : nameEvidence(evidence);
    // After a listed given name, a family name that is also an everyday word somewhere ("Ana
    // Costa", "Pedro Rocha") still reads as a name when the model finds it name-shaped.
    if (score === 0 && words === 1 && firstScore === 2 && firstEvidence.given && !evidence.closedClass && (evidence.model > 0 || fillsFamilySlot(evidence))) score = 1;
    // Only words that the model alone vouches for bound the pair; a listed name that is also an
    // everyday word ("Dare", "Rose") counts as weak model evidence (accepted in context only).
    const listed = evidence.given || evidence.family;
    if (score === 1) modelOnly = Math.min(modelOnly, afterParticle || (words === 1 && firstScore === 2) ? Infinity : listed ? Math.max(evidence.model, MODEL_ONLY_PAIR_IN_CONTEXT) : evidence.model);
    if (score === 0) break;
    total += score;
    end = token.end;
    words++;
  }
  if (words === 1) return uncuedSingle(text, first, firstEvidence, before);
  // Two words that only the model vouches for need it to be clear about both ("Chidi Okonkwo",
  // not "Kundenservice Techniker"); a listed name or a third word is enough otherwise.
  // Context lowers the bar for two model-only words: "transfer me to X Y", "X Y confirmed ...".
  const context = WEAK_CUE.test(before) || SUBJECT_VERB_AFTER.test(text.slice(end, end + 16));
  if (total < 3 && !(total === 2 && modelOnly >= (context ? MODEL_ONLY_PAIR_IN_CONTEXT : MODEL_ONLY_PAIR))) return undefined;
  if (firstEvidence.ambiguous && !WEAK_CUE.test(before) && firstScore < 2) {
    // "Will Turner" yes, "Mark Resolved" no: the follower must be a family name or read as one.
    const second = followers.find((t) => !t.particle)!;
    const secondEvidence = evidenceFor(second.lower);
    if (!(secondEvidence.family || (!secondEvidence.common && secondEvidence.model > 0))) return undefined;
  }
  return span(first.start, end, firstScore === 2 ? 0.8 : 0.65);
}

/**
 * In a name context ("spoke with X Y", "X Y approved"), two long-tail words where the second is
 * name evidence: "Genesis Strosin approved", "with Demarcus Shanahan". Head words never
 * ("Customer Service confirmed"), and one of the two must be a listed or name-shaped word
 * ("with Amazon Cloud" stays).
 */
function contextPair(text: string, first: Token, firstEvidence: WordEvidence, followers: Token[], before: string): Finding | undefined {
  const second = followers[0];
  if (!second || second.particle || !fillsFamilySlot(firstEvidence) || firstEvidence.model <= -1) return undefined;
  if (nameEvidence(evidenceFor(second.lower)) === 0) return undefined;
  const third = followers[1];
  if (third && !third.particle && nameEvidence(evidenceFor(third.lower)) > 0) return undefined; // three-word runs need more
  if (!(WEAK_CUE.test(before) || SUBJECT_VERB_AFTER.test(text.slice(second.end, second.end + 16)))) return undefined;
  return span(first.start, second.end, 0.6);
}

function uncuedSingle(text: string, first: Token, evidence: WordEvidence, before: string): Finding | undefined {
  if (first.end - first.start < 3) return undefined;
  if (evidence.englishGiven) return span(first.start, first.end, 0.6);
  if (evidence.given && !evidence.common) return WEAK_CUE.test(before) || GREETING.test(before) ? span(first.start, first.end, 0.6) : span(first.start, first.end, 0.55);
  if (evidence.ambiguous && evidence.given && WEAK_CUE.test(before)) return span(first.start, first.end, 0.6);
  return GREETING.test(before) && /^[,!:]/.test(text[first.end] ?? '') && !evidence.common ? span(first.start, first.end, 0.6) : undefined;
}

function previousWordLower(text: string, start: number): string {
  return text.slice(text.lastIndexOf(' ', start - 2) + 1, start - 1).toLowerCase();
}

function followsCapitalizedWord(text: string, start: number): boolean {
  if (text[start - 1] !== ' ') return false;
  const wordStart = text.lastIndexOf(' ', start - 2) + 1;
  const word = text.slice(wordStart, start - 1);
  const lower = word.toLowerCase();
  return /^\p{Lu}\p{L}{1,30}$/u.test(word) && !TITLES.has(lower) && !STRONG_CUE.test(lower) && !WEAK_CUE.test(lower) && !GREETING.test(`${lower} `);
}

/**
 * "my name is priya sharma", "je m'appelle jean dupont": after an identity cue, up to three
 * lower-case words that are names by the lists or the model and not everyday words.
 */
export const IDENTITY_CUE_ANYWHERE = /\b(?:my name is|name is|i am|i'm|mein name ist|ich heiße|ich bin|je m'appelle|mon nom est|je suis|me llamo|mi nombre es|soy|mi chiamo|il mio nome è|sono|meu nome é|me chamo|chamo-me|sou|mijn naam is|ik heet|ik ben|this is|dear|regards|grüße|cordialement|saludos|saluti|atenciosamente|groeten)[ ,:]{1,3}/gi;

function findLowerCaseNamesAfterCues(text: string, out: Finding[]): void {
  IDENTITY_CUE_ANYWHERE.lastIndex = 0;
  let cue: RegExpExecArray | null;
  while ((cue = IDENTITY_CUE_ANYWHERE.exec(text)) !== null) {
    let cursor = cue.index + cue[0].length;
    const start = cursor;
    let end = start;
    for (let words = 0; words < 3; words++) {
      LOWER_WORD_AT.lastIndex = cursor;
      const word = LOWER_WORD_AT.exec(text);
      if (!word) break;
      const lower = word[0].replace(/['’-]$/, '');
      const evidence = evidenceFor(lower);
      const isParticle = PARTICLES.has(lower) && words > 0;
      if (!isParticle && (evidence.common || nameEvidence(evidence) === 0)) break;
      cursor = word.index + lower.length;
      if (!isParticle) end = cursor;
      if (text[cursor] !== ' ') break;
      cursor++;
    }
    if (end > start && !isWordCharAt(text, start - 1)) out.push(span(start, end, 0.6));
  }
}

function span(start: number, end: number, confidence: number): Finding {
  return { type: 'PERSON', start, end, confidence, detector: 'person' };
}
