import { AMBIGUOUS_FIRST_NAMES } from '../lexicon/ambiguousNames';
import { FIRST_NAMES } from '../lexicon/firstNames';
import { NOT_NAME_WORDS } from '../lexicon/notNames';
import { COMMON_FOR_NAMES_RANK, VERY_COMMON_RANK, wordRanks } from './commonWords';
import { nameModel } from './nameModel';
import { nameSets } from './resources';

/** What the resources say about one word (lower-cased), computed once per word and cached. */
export interface WordEvidence {
  /** A given name in an English list (Moby) that is not an everyday word ("sarah", not "will"). */
  englishGiven: boolean;
  given: boolean;
  family: boolean;
  /** An everyday word of a support language or a closed-class word ("order", "bestellung", "the"). */
  common: boolean;
  /** A given name that is also an everyday word ("will", "may", "grant", "can"). */
  ambiguous: boolean;
  /** A function word or core verb (head of a word list, or a closed-class word): never a name. */
  closedClass: boolean;
  /** Character-model score; > 0 reads as a name. */
  model: number;
  /** Best frequency rank over the everyday-word lists (Infinity when in none). */
  rank: number;
  lower: string;
}

const cache = new Map<string, WordEvidence>();
const CACHE_LIMIT = 50_000;
/** Model score above which an unlisted word that a word list also holds is read as a name. */
const CLEAR_NAME_SCORE = 1.0;

export function evidenceFor(lower: string): WordEvidence {
  let evidence = cache.get(lower);
  if (evidence) return evidence;
  const rank = wordRanks().get(lower) ?? Infinity;
  const closedClass = NOT_NAME_WORDS.has(lower) || rank < VERY_COMMON_RANK;
  const english = FIRST_NAMES.has(lower);
  const given = english || nameSets().given.has(lower);
  const family = nameSets().family.has(lower);
  // English first names keep the curated ambiguity list (they were measured against it); other
  // listed names are everyday words only near the head of a word list ("can", "park").
  const englishGiven = english && !AMBIGUOUS_FIRST_NAMES.has(lower) && !closedClass;
  const model = modelScore(lower);
  // Unlisted words: subtitle lists hold names too ("rahul"), so a clearly name-shaped word
  // below the head of the lists is left to the model.
  const everyday = closedClass || rank < COMMON_FOR_NAMES_RANK || (!(given || family) && rank < Infinity && model < CLEAR_NAME_SCORE);
  evidence = {
    englishGiven,
    given,
    family,
    common: (everyday || AMBIGUOUS_FIRST_NAMES.has(lower)) && !englishGiven,
    ambiguous: AMBIGUOUS_FIRST_NAMES.has(lower) || ((given || family) && everyday && !englishGiven),
    closedClass,
    model,
    rank,
    lower,
  };
  if (cache.size >= CACHE_LIMIT) cache.clear(); // bounded memory on long streams
  cache.set(lower, evidence);
  return evidence;
}

/** 2: a listed name; 1: not an everyday word and name-like by the model; 0: no evidence. */
export function nameEvidence(evidence: WordEvidence): 0 | 1 | 2 {
  if ((evidence.given || evidence.family) && !evidence.common) return 2;
  if ((evidence.given || evidence.family) && evidence.ambiguous) return 1;
  return !evidence.common && evidence.model > 0 ? 1 : 0;
}

/** "O'Brien", "D'Souza": the apostrophe prefix is a name shape by itself; the model scores the rest. */
function modelScore(lower: string): number {
  const stem = nameModel().score(/^[od]['’]\p{L}{2}/u.test(lower) ? lower.slice(2) : lower);
  return /^o['’]\p{L}{2}/u.test(lower) ? Math.max(stem, 0.5) : stem;
}
