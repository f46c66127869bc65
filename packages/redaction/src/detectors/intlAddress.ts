import type { Detector, Finding } from '../types';

/**
 * Street addresses outside the US "number + name + suffix" form (streetAddress.ts keeps that one,
 * which also covers GB, IE, CA, AU and IN streets such as "221B Baker Street", "12 MG Road"):
 *  - street type first, number after: ES "Calle Mayor 5" / "C/ de Alcalá, 23", IT "Via Roma 10",
 *    PT/BR "Rua Augusta, 274" / "Avenida Paulista, 1578";
 *  - number first, street type after it: FR "12 rue de la Paix" / "5 bis avenue Foch";
 *  - the type glued to the name, number after: DE "Hauptstraße 5a", "Berliner Str. 12",
 *    NL "Keizersgracht 123", "Stationsweg 4";
 *  - JP "〒100-0001 東京都千代田区千代田1-1" and romanised "1-2-3 Shibuya, Shibuya-ku".
 * A postcode (and town) directly after the street joins the span: FR/DE/ES/IT 5 digits, NL
 * "1012 AB", GB "SW1A 1AA", IE Eircode "D02 X285", CA "K1A 0B1", BR "01310-100", IN "560 001",
 * AU "NSW 2000", JP "150-0002".
 *
 * Linear time: every regex here passes patternSafety's check (test/patternSafety.test.ts). The
 * forms with up to four name words ("Calle de la Virgen del Carmen 5") are not one regex — a
 * repeated group of name words is a nested quantifier whose worst-case backtracking is far above
 * the budget. A short regex finds the anchor (street type, or house number + French type), then
 * the name words are read one at a time with bounded sticky regexes. The scan reproduces what the
 * former single regexes matched: at each word boundary only one continuation can
 * apply (another capitalised word or a connector, vs. ", " + a number), so no backtracking over
 * words is needed; see readNameWords.
 */
/** One street-name word: a capital, then up to 24 letters, marks, apostrophes, dots or hyphens. */
export const NAME_AT = /\p{Lu}[\p{L}\p{M}'’.-]{0,24}/uy;
/** Connector between name words ("Virgen del Carmen", "Quai d'Orsay"); a space may follow. */
export const CONNECTOR_AT = /(?:della|delle|degli|del|dei|des|de|dos|do|das|da|di|las|los|la|le|du|d') ?/uy;
/** ES/IT/PT street type, then a space: the anchor of "Calle Mayor 5", "Via Roma 10", "Rua Augusta, 274". */
export const STREET_TYPE_FIRST = /\b(?:Calle|C\/|Avenida|Avda\.|Av\.|Paseo|Plaza|Camino|Carrer|Carretera|Ronda|Travesía|Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Strada|Rua|Travessa|Praça|Alameda|Estrada|Rodovia) /gu;
/** Article between a street type and the name ("Calle de la Paz", "Rua dos Andradas"). */
export const TYPE_FIRST_ARTICLE_AT = /(?:de la |de los |de las |della |delle |degli |del |dei |de |dos |do |das |da |di )/uy;
/** After the name: the house number ("5", ", 274", " nº 12") and an optional floor / flat ("23, 2º B", "10 int. 4"). */
export const HOUSE_NUMBER_AFTER_NAME_AT = /,? (?:n[º°o]\.? ?)?\d{1,5}[A-Za-z]?(?:[,-] ?(?:\d{1,3}[º°ª] ?[A-Za-z]?|apto\.? ?\d{1,5}|piso \d{1,3}|int\.? ?\d{1,3}))?/uy;
/**
 * FR house number (a range "12-14", bis/ter/letter, ", ") and street type, then a space: the anchor of
 * "12 rue de la Paix", "12 bis, rue ...", "7 allée des Tilleuls". Case-insensitive: La Poste's
 * own format is upper case ("25 RUE DE LA REPUBLIQUE"), and chat text writes "Bd", "Av.", "rue".
 */
export const NUMBER_THEN_FRENCH_TYPE = /\b\d{1,4}(?:[-/]\d{1,4})?(?: ?(?:bis|ter|quater|[A-D]))?,? (?:rue|avenue|av\.|ave\.?|boulevard|bd|bld|bvd|place|pl\.|chemin|ch\.|allée|allee|impasse|imp\.|quai|route|rte|cours|square|sq\.|passage|rond-point|esplanade|sentier|montée|montee|cité|cite|résidence|residence|hameau|lieu-dit|voie|promenade|parvis|faubourg|fg|traverse|ruelle|venelle|rampe|lotissement|domaine|chaussée|sente|clos) /giu;
/** Article between a French street type and the name ("rue de la Paix", "allée d'Orléans", "RUE DE LA PAIX"). */
export const FRENCH_ARTICLE_AT = /(?:de la |de l'|de l’|du |des |de |d'|d’|l'|l’|la |le |les )/iuy;
/** A date as a French street name: "rue du 8 Mai 1945", "place du 14 Juillet", "rue du 1er Mars". */
export const FRENCH_DATE_DAY_AT = /\d{1,2}(?:er)? /uy;
export const FRENCH_DATE_YEAR_AT = / \d{4}\b/uy;
/** Connector between French name words ("Moulin à Vent", "Fontaine au Roi", "Pierre et Marie Curie", "Hôtel de Ville"). */
export const FRENCH_CONNECTOR_AT = /(?:de la |de l'|de l’|du |des |de |d'|d’|à la |à l'|au |aux |à |en |sur |sous |lès |les |le |la |et )/iuy;
/** Any-case name word (chat text: "12 rue de la paix, 75002 paris"); kept only when a postcode follows. */
export const ANY_CASE_WORD_AT = /[\p{L}][\p{L}\p{M}'’.-]{0,24}/uy;
/** A postal box or sorting code between a French street and its postcode: ", BP 123", " CS 30001", ", TSA 70011". */
export const FRENCH_POSTAL_BOX_AT = /,? (?:BP|B\.P\.|CS|TSA) ?\d{1,5}/uy;
/** A lower-case town after the postcode of a lower-case street ("75002 paris"): one word. */
export const LOWER_TOWN_AT = / \p{Ll}[\p{L}\p{M}'-]{1,24}/uy;
/** "Lyon Cedex 02": the CEDEX mark (and its office number) after the town. */
export const CEDEX_AT = / (?:CEDEX|Cedex|cedex)(?: \d{1,2}\b)?/uy;
export const GLUED_STREET_TYPE = new RegExp(
  `\\b(?:\\p{Lu}[\\p{L}\\p{M}'’.-]{0,24} )?\\p{Lu}[\\p{L}-]{1,30}(?:straße|strasse|str\\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|straat|laan|plein|gracht|kade|singel|dijk|steeg|markt)(?: \\d{1,4}[a-zA-Z]?(?:-\\d{1,4})?)`,
  'gu',
);
export const SEPARATE_GERMAN_TYPE = /\b\p{Lu}[\p{L}\p{M}'’.-]{0,24} (?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm) \d{1,4}[a-zA-Z]?/gu;
export const JAPANESE_ADDRESS = /〒 ?\d{3}-\d{4} ?[\p{Script=Han}\p{Script=Katakana}\p{Script=Hiragana}ー0-9０-９－-]{2,40}/gu;
export const ROMANISED_JAPANESE = /\b\d{1,2}-\d{1,2}(?:-\d{1,3})? \p{Lu}[\p{L}-]{1,20},? \p{Lu}[\p{L}]{1,20}-(?:ku|shi|cho|machi)\b/gu;

/** Town before a postcode (", London NW1 6XE", ", Perth WA 6000"): a capital and 1–20 letters or hyphens. */
export const POSTCODE_TOWN_AT = /\p{Lu}[\p{L}-]{1,20}/uy;
/** Region code between town and postcode (", Ottawa, ON K1A 0B1"). */
export const POSTCODE_REGION_AT = /[A-Z]{2} /y;
/**
 * The postcode forms, tried in this order (the first that matches wins): BR, IN, IN spaced, FR/DE/
 * ES/IT, NL, GB, IE Eircode, CA, AU with state, JP, bare 4 digits.
 */
export const POSTCODE_AFTER = /(?:\d{5}-\d{3}|\d{6}|\d{3} \d{3}|\d{5}|\d{4} ?[A-Z]{2}|[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}|[A-Z]\d{2} [A-Z\d]{4}|[A-Z]\d[A-Z] \d[A-Z]\d|(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT) \d{4}|\d{3}-\d{4}|\d{4})/uy;
/** First word of the town after a postcode ("75002 Paris"), and each of up to two more ("São Paulo", "Aix-en-Provence"). */
export const TOWN_WORD_AFTER_POSTCODE_AT = / \p{Lu}[\p{L}\p{M}'-]{1,24}/uy;
export const NEXT_TOWN_WORD_AT = /[ -]\p{Lu}[\p{L}\p{M}'-]{1,24}/uy;

const REGEX_PATTERNS = [GLUED_STREET_TYPE, SEPARATE_GERMAN_TYPE, JAPANESE_ADDRESS, ROMANISED_JAPANESE];

export const intlAddressDetector: Detector = {
  name: 'intl_address',
  version: '3', // v3: more French forms (types, connectors, dates, BP/CS, CEDEX, upper and lower case)
  detect(text: string, out: Finding[]): void {
    const push = (start: number, streetEnd: number): void => {
      out.push({ type: 'STREET_ADDRESS', start, end: streetEnd + postcodeLength(text, streetEnd), confidence: 0.86, detector: 'intl_address' });
    };
    scanAnchored(text, STREET_TYPE_FIRST, (afterType) => {
      const wordsEnd = readNameWords(text, afterArticle(text, afterType, TYPE_FIRST_ARTICLE_AT));
      if (wordsEnd < 0) return -1;
      HOUSE_NUMBER_AFTER_NAME_AT.lastIndex = wordsEnd;
      const number = HOUSE_NUMBER_AFTER_NAME_AT.exec(text);
      return number ? wordsEnd + number[0].length : -1;
    }, push);
    scanAnchored(text, NUMBER_THEN_FRENCH_TYPE, (afterType) => readFrenchStreet(text, afterType), push);
    for (const pattern of REGEX_PATTERNS) {
      pattern.lastIndex = 0;
      let match: RegExpExecArray | null;
      while ((match = pattern.exec(text)) !== null) {
        if (pattern !== GLUED_STREET_TYPE && pattern !== JAPANESE_ADDRESS && !/\d/.test(match[0])) continue;
        push(match.index, match.index + match[0].length);
      }
    }
  },
};

/**
 * Runs a global anchor regex over the text; `rest` reads what must follow the anchor and returns
 * the street's end, or -1. Like a global regex, a failed anchor resumes one character on and a
 * found street resumes after its end. Each anchor costs at most four bounded word reads.
 */
function scanAnchored(text: string, anchor: RegExp, rest: (afterAnchor: number) => number, push: (start: number, end: number) => void): void {
  anchor.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = anchor.exec(text)) !== null) {
    const end = rest(match.index + match[0].length);
    if (end < 0) {
      anchor.lastIndex = match.index + 1;
      continue;
    }
    push(match.index, end);
    anchor.lastIndex = end;
  }
}

/** Skips an article ("de la ", "d'") when a name word follows it. */
function afterArticle(text: string, at: number, article: RegExp): number {
  article.lastIndex = at;
  const match = article.exec(text);
  return match ? at + match[0].length : at;
}

function nameWordEnd(text: string, at: number, word: RegExp = NAME_AT): number {
  word.lastIndex = at;
  const match = word.exec(text);
  return match ? at + match[0].length : -1;
}

/**
 * The French street after its type: an article, 1–4 name words (capitalised, or in any case when
 * a postcode follows: "rue de la paix, 75002 paris"), French connectors ("Moulin à Vent",
 * "Pierre et Marie Curie"), a date name ("rue du 8 Mai 1945"), then an optional postal box ("BP 123").
 * Returns the street's end or -1.
 */
function readFrenchStreet(text: string, afterType: number): number {
  let at = afterArticle(text, afterType, FRENCH_ARTICLE_AT);
  FRENCH_DATE_DAY_AT.lastIndex = at;
  const day = FRENCH_DATE_DAY_AT.exec(text);
  if (day) at += day[0].length;
  const anyCase = readNameWords(text, at, FRENCH_CONNECTOR_AT, ANY_CASE_WORD_AT);
  const lowerCase = anyCase >= 0 && postcodeLength(text, withPostalBox(text, anyCase)) > 0;
  let end = lowerCase ? anyCase : readNameWords(text, at, FRENCH_CONNECTOR_AT);
  if (end < 0) return -1;
  if (day) {
    FRENCH_DATE_YEAR_AT.lastIndex = end;
    const year = FRENCH_DATE_YEAR_AT.exec(text);
    if (year) end += year[0].length;
  }
  end = withPostalBox(text, end);
  if (!lowerCase) return end;
  // Chat text in lower case: the postcode and a lower-case town ("75002 paris") join here.
  end += postcodeLength(text, end);
  LOWER_TOWN_AT.lastIndex = end;
  const town = /\d/.test(text[end - 1]) ? LOWER_TOWN_AT.exec(text) : null;
  return town ? end + town[0].length : end;
}

function withPostalBox(text: string, end: number): number {
  FRENCH_POSTAL_BOX_AT.lastIndex = end;
  const box = FRENCH_POSTAL_BOX_AT.exec(text);
  return box ? end + box[0].length : end;
}

/**
 * 1–4 name words from `at`, separated by a space, a connector ("del", "d'") or a double space;
 * returns the end of the last word, or -1 when there is no first word. Words are read greedily:
 * a word ends where NAME_AT stops (a longer word is cut at 25 characters, and nothing but a space
 * can continue the street after a word), and the next word starts with a capital, which neither
 * ", " + number nor anything else that may follow a street does. So the first reading is the only
 * one; the former nested-quantifier regexes found the same spans by backtracking.
 */
function readNameWords(text: string, at: number, connectors: RegExp = CONNECTOR_AT, word: RegExp = NAME_AT): number {
  let end = nameWordEnd(text, at, word);
  if (end < 0) return -1;
  for (let words = 1; words < 4 && text[end] === ' '; words++) {
    const gap = end + 1;
    connectors.lastIndex = gap;
    const connector = connectors.exec(text);
    const wordStart = connector ? gap + connector[0].length : text[gap] === ' ' ? gap + 1 : gap;
    const wordEnd = nameWordEnd(text, wordStart, word);
    if (wordEnd < 0) break;
    end = wordEnd;
  }
  return end;
}

/**
 * "…, Springfield, IL 62704": the US city / state / ZIP line is not joined. US addresses are
 * redacted street-only (the detector's convention since v1 and the labels of the in-distribution
 * corpus); joining it made every US span half town and ZIP (precision 1.000 → 0.723). The ZIP is
 * 5 digits (+4) after a two-letter state, which no joined international form has (CA "ON K1A 0B1",
 * AU "WA 6000").
 */
export const US_CITY_STATE_ZIP = /^,? \p{Lu}[\p{L}-]{1,20}(?: \p{Lu}[\p{L}-]{1,20})?,? [A-Z]{2} \d{5}(?:-\d{4})?/u;

/** The postcode (and town) joined after a street, in characters; 0 when none or a US ZIP line. */
export function postcodeLength(text: string, end: number): number {
  const tail = text.slice(end, end + 48);
  const us = US_CITY_STATE_ZIP.exec(tail);
  if (us && !/\d/.test(tail[us[0].length] ?? '')) return 0;
  for (const at of postcodeStarts(tail)) {
    POSTCODE_AFTER.lastIndex = at;
    const postcode = POSTCODE_AFTER.exec(tail);
    if (!postcode) continue;
    let length = at + postcode[0].length;
    TOWN_WORD_AFTER_POSTCODE_AT.lastIndex = length;
    const town = TOWN_WORD_AFTER_POSTCODE_AT.exec(tail);
    if (town) {
      length += town[0].length;
      for (let words = 1; words < 3; words++) {
        CEDEX_AT.lastIndex = length;
        const cedex = CEDEX_AT.exec(tail);
        if (cedex) {
          length += cedex[0].length;
          break;
        }
        NEXT_TOWN_WORD_AT.lastIndex = length;
        const word = NEXT_TOWN_WORD_AT.exec(tail);
        if (!word) break;
        length += word[0].length;
      }
    }
    return length;
  }
  return 0;
}

/**
 * Where a postcode may start in the tail after a street, in the order they are tried: ", " or
 * " ", then " - ", then ", Town[ Town][,] [XX ]" (the town and region variants, longest first).
 */
function postcodeStarts(tail: string): number[] {
  const starts: number[] = [];
  if (tail.startsWith(', ')) starts.push(2);
  else if (tail[0] === ' ') starts.push(1);
  if (tail.startsWith(' - ')) starts.push(3);
  if (!tail.startsWith(', ')) return starts;
  POSTCODE_TOWN_AT.lastIndex = 2;
  const town = POSTCODE_TOWN_AT.exec(tail);
  if (!town) return starts;
  const townEnd = 2 + town[0].length;
  const ends: number[] = [];
  if (tail[townEnd] === ' ') {
    POSTCODE_TOWN_AT.lastIndex = townEnd + 1;
    const second = POSTCODE_TOWN_AT.exec(tail);
    if (second) ends.push(townEnd + 1 + second[0].length);
  }
  ends.push(townEnd);
  for (const end of ends) {
    const at = tail.startsWith(', ', end) ? end + 2 : tail[end] === ' ' ? end + 1 : -1;
    if (at < 0) continue;
    POSTCODE_REGION_AT.lastIndex = at;
    if (POSTCODE_REGION_AT.test(tail)) starts.push(at + 3);
    starts.push(at);
  }
  return starts;
}
