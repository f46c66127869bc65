import { wordRanks } from './commonWords';
import { nameSets } from './resources';

/**
 * A character-trigram model of "name-likeness" for words in no list: log P(word | names) −
 * log P(word | everyday words), per trigram, with add-one smoothing. Trained at import on the
 * detector half of the name resources (names.ts) against the everyday-word lists of seven
 * languages. It generalises to names that are in no resource ("Oluwaseun", "Nwachukwu",
 * "Thanh") because names of one origin share character patterns, and rejects everyday words of
 * the support languages ("Bestellung", "Rechnung"). A score above 0 means "more like a name
 * than like a word"; the PERSON detector uses it only for capitalized words next to other
 * name evidence, never alone.
 */
export interface NameModel {
  score(word: string): number;
}

export function foldForModel(word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z]/g, '');
}

function trigrams(word: string, visit: (gram: string) => void): void {
  const padded = `^${word}$`;
  for (let i = 0; i + 3 <= padded.length; i++) visit(padded.slice(i, i + 3));
}

export function trainNameModel(names: Iterable<string>, words: Iterable<string>): NameModel {
  const nameCounts = new Map<string, number>();
  const wordCounts = new Map<string, number>();
  let nameTotal = 0;
  let wordTotal = 0;
  for (const name of names) {
    const folded = foldForModel(name);
    if (folded.length > 1) trigrams(folded, (g) => { nameCounts.set(g, (nameCounts.get(g) ?? 0) + 1); nameTotal++; });
  }
  for (const word of words) {
    const folded = foldForModel(word);
    if (folded.length > 1) trigrams(folded, (g) => { wordCounts.set(g, (wordCounts.get(g) ?? 0) + 1); wordTotal++; });
  }
  const vocabulary = new Set([...nameCounts.keys(), ...wordCounts.keys()]).size + 1;
  const nameDenominator = Math.log(nameTotal + vocabulary);
  const wordDenominator = Math.log(wordTotal + vocabulary);
  return {
    score(word: string): number {
      const folded = foldForModel(word);
      if (folded.length < 2) return -Infinity;
      let sum = 0;
      let grams = 0;
      trigrams(folded, (g) => {
        sum += Math.log((nameCounts.get(g) ?? 0) + 1) - nameDenominator - (Math.log((wordCounts.get(g) ?? 0) + 1) - wordDenominator);
        grams++;
      });
      return sum / grams;
    },
  };
}

function everydayWords(): string[] {
  const { given, family } = nameSets();
  return [...wordRanks().keys()].filter((w) => !given.has(w) && !family.has(w));
}

let model: NameModel | undefined;
/** Trained on first use (see wordRanks). */
export const nameModel = (): NameModel => (model ??= trainNameModel([...nameSets().given, ...nameSets().family], everydayWords()));
