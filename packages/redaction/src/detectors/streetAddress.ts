import type { Detector, Finding } from '../types';
import { postcodeLength } from './intlAddress';

/**
 * Street addresses in the US/UK "number + street name + suffix" form, optionally followed by a
 * unit ("Apt 4B", "Suite 300"). Anchored on street-suffix words (USPS Publication 28 list, the
 * common subset), then a bounded look back for a house number and 1–4 capitalized name words.
 * Requiring the house number keeps "Main Street" in prose and "Park" in names out.
 */
export const SUFFIXES = new Set(
  `street st avenue ave road rd boulevard blvd lane ln drive dr court ct place pl terrace ter way parkway pkwy
  marg nagar circle cir highway hwy square sq trail trl loop plaza crescent close grove ridge hill hills park route pike
  alley mall path view walk row gardens heights crossing point run landing estates meadows meadow springs
  station valley village harbor haven island junction manor mill mills port shore shores summit track turnpike
  vista bypass causeway expressway freeway branch bridge brook burg camp canyon cape center centre cliff club
  common corner course cove creek crest curve dale dam divide estate extension falls ferry field fields flat
  flats ford forest forge fork fort freeway garden gateway glen green hollow inlet isle key knoll lake lakes
  land light lock lodge mews mission motorway mount mountain neck orchard oval overpass pass passage pine pines
  plain plains prairie ramp ranch rapids rest river shoal skyway spring spur stravenue stream throughway trace
  trafficway trailer tunnel underpass union via viaduct ville well wells wall walls broadway
  branches bridges brooks burgs camps canyons capes centers circles cliffs clubs commons corners courses courts
  coves creeks crescents crests crossroad crossroads curves dales dams divides drives estates extensions ferries
  flats fords forests forges forks fortresses freeways gateways glens greens groves harbors highways hollows
  inlets islands isles junctions keys knolls lanes lights loaf locks lodges loops malls manors meadows missions
  motorways mounts mountains necks orchards ovals overpasses parks parkways passages paths pikes points ports
  prairies radials ramps ranches rests ridges rivers roads routes rows runs shoals skyways spurs squares stations
  streams streets summits terraces throughways traces tracks trafficways trails tunnels turnpikes unions valleys
  viaducts views villages villes vistas walks ways`
    .split(/\s+/)
    .filter(Boolean),
);
export const SUFFIX_WORD = /[A-Z][a-z]{1,12}\.?/g;
const LOOK_BACK = 60;
export const HOUSE_NUMBER = /^\d{1,6}[A-Za-z]?(?:-\d{1,4})?$/;
export const NAME_WORD = /^(?:[NSEW]\.?|\p{Lu}[\p{L}'’.-]{0,24}|\d{1,3}(?:st|nd|rd|th))$/u;
const MAX_NAME_WORDS = 4;
export const UNIT = /^,? (?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Floor|Fl\.?|#) ?[A-Za-z0-9-]{1,6}/;

export const streetAddressDetector: Detector = {
  name: 'street_address',
  version: '3',
  detect(text: string, out: Finding[]): void {
    SUFFIX_WORD.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = SUFFIX_WORD.exec(text)) !== null) {
      const word = match[0].endsWith('.') ? match[0].slice(0, -1) : match[0];
      if (!SUFFIXES.has(word.toLowerCase())) continue;
      if (/[A-Za-z]/.test(text[match.index - 1] ?? '') || /[a-z]/.test(text[match.index + word.length] ?? '')) continue;
      const start = findHouseNumberStart(text, match.index, word === 'Broadway');
      if (start === undefined) continue;
      let end = match.index + match[0].length;
      const unit = UNIT.exec(text.slice(end, end + 24));
      if (unit) end += unit[0].length;
      end += postcodeLength(text, end);
      out.push({ type: 'STREET_ADDRESS', start, end, confidence: 0.85, detector: 'street_address' });
    }
  },
};

/** Walks back word by word from the suffix: 1–4 street-name words, then a house number. */
function findHouseNumberStart(text: string, suffixStart: number, suffixIsName: boolean): number | undefined {
  if (text[suffixStart - 1] !== ' ') return undefined;
  const windowStart = Math.max(0, suffixStart - LOOK_BACK);
  let wordEnd = suffixStart - 1;
  for (let words = 0; words <= MAX_NAME_WORDS; words++) {
    const wordStart = text.lastIndexOf(' ', wordEnd - 1) + 1;
    if (wordStart < windowStart || wordStart >= wordEnd) return undefined;
    const word = text.slice(wordStart, wordEnd);
    if ((words > 0 || suffixIsName) && HOUSE_NUMBER.test(word)) {
      return /[\w-]/.test(text[wordStart - 1] ?? ' ') && wordStart > 0 && text[wordStart - 1] !== ' ' ? undefined : wordStart;
    }
    if (!NAME_WORD.test(word)) return undefined;
    wordEnd = wordStart - 1;
    if (text[wordEnd] !== ' ') return undefined;
  }
  return undefined;
}
