import { transliterate } from 'transliteration';

/**
 * Latin form of a name written in another script (Cyrillic, Greek, Hangul, Kana, Han, Arabic...),
 * as support text written in English usually carries it: "Абрамова" → "Abramova",
 * "伟宸" → "Weichen". Syllables that the library separates are joined (one name, one word).
 */
export function latinName(name: string): string {
  const latin = transliterate(name).replace(/[^A-Za-z'-]/g, '');
  return latin.length > 0 ? latin[0].toUpperCase() + latin.slice(1).toLowerCase() : '';
}

/** True for text in a script without letter case, where names are matched in the original script. */
export const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
