/**
 * Out-of-distribution corpus: names only from the held-out half of every faker name list (the
 * detectors were built from the other half), templates written separately from the detectors'
 * tests and the in-distribution corpus, in ten languages, with national ids made by this file's
 * own check-digit code (the detectors use stdnum) and decoys that fail those checks.
 */
import { Faker, allLocales, base, de, en, es, fr, it as itLocale, nl, pt_BR } from '@faker-js/faker';
import { isInDetectorHalf } from '@refinery/redaction';
import { transliterate } from 'transliteration';

export type Language = 'en' | 'de' | 'fr' | 'es' | 'it' | 'pt' | 'nl' | 'ja' | 'zh' | 'ko';
export interface OodSpan { start: number; end: number; type: string; detail: string }
export interface OodRecord { language: Language; text: string; spans: OodSpan[] }

/** Origin groups → faker locales whose held-out names represent them. */
export const ORIGINS: Record<string, string[]> = {
  'South Asian': ['en_IN', 'en_NP'],
  'East Asian (romanised)': ['zh_CN', 'zh_TW', 'ko', 'vi', 'en_HK'],
  African: ['en_GH', 'en_NG', 'yo_NG', 'zu_ZA', 'fr_SN'],
  'Arabic/Persian/Turkish': ['ar', 'fa', 'tr', 'az', 'uz_UZ_latin', 'ur'],
  Slavic: ['ru', 'uk', 'pl', 'cs_CZ', 'sk', 'hr', 'sr_RS_latin'],
  Hispanic: ['es', 'es_MX'],
  Lusophone: ['pt_BR', 'pt_PT'],
  Nordic: ['sv', 'da', 'nb_NO', 'fi'],
  'Western European': ['de', 'fr', 'it', 'nl'],
  English: ['en', 'en_AU'],
};

type Names = { given: string[]; family: string[] };
function flatten(list: unknown): string[] {
  if (!list) return [];
  const values = Array.isArray(list) ? list : Object.values(list as Record<string, string[]>).flat();
  return (values as string[]).flatMap((v) => v.split(/\s+/)).filter(Boolean);
}
function latin(word: string): string {
  if (/^[\p{Script=Latin}'-]+$/u.test(word)) return word;
  const l = transliterate(word).replace(/[^A-Za-z'-]/g, '');
  return l ? l[0].toUpperCase() + l.slice(1).toLowerCase() : '';
}
function heldOut(locales: string[]): Names {
  const given = new Set<string>();
  const family = new Set<string>();
  for (const locale of locales) {
    const person = (allLocales as Record<string, { person?: { first_name?: unknown; last_name?: unknown } }>)[locale]?.person;
    for (const w of flatten(person?.first_name)) { const l = latin(w); if (l.length > 2 && !isInDetectorHalf(l)) given.add(l); }
    for (const w of flatten(person?.last_name)) { const l = latin(w); if (l.length > 2 && !isInDetectorHalf(l)) family.add(l); }
  }
  return { given: [...given], family: [...family] };
}
function heldOutCjk(locale: string): Names {
  const person = (allLocales as Record<string, { person?: { first_name?: unknown; last_name?: unknown } }>)[locale]!.person!;
  const keep = (w: string) => !isInDetectorHalf(latin(w) || w);
  return { given: flatten(person.first_name).filter(keep), family: flatten(person.last_name).filter(keep) };
}

export function createOodGenerator(seed: number) {
  const f = new Faker({ locale: [en, base], seed });
  const pools = Object.fromEntries(Object.entries(ORIGINS).map(([origin, locales]) => [origin, heldOut(locales)])) as Record<string, Names>;
  const cjk = { ja: heldOutCjk('ja'), zh: heldOutCjk('zh_CN'), ko: heldOutCjk('ko') };
  const streetFakers = { de: new Faker({ locale: [de, en, base], seed }), fr: new Faker({ locale: [fr, en, base], seed }), es: new Faker({ locale: [es, en, base], seed }), it: new Faker({ locale: [itLocale, en, base], seed }), nl: new Faker({ locale: [nl, en, base], seed }), pt: new Faker({ locale: [pt_BR, en, base], seed }) };
  const pick = <T>(xs: T[]) => xs[f.number.int({ max: xs.length - 1 })];
  const digits = (n: number) => Array.from({ length: n }, () => f.number.int(9)).join('');
  const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

  function person(): { value: string; origin: string } {
    const origin = pick(Object.keys(pools));
    const pool = pools[origin];
    const surnameFirst = origin === 'East Asian (romanised)' && f.datatype.boolean();
    const g = pick(pool.given.length ? pool.given : pool.family);
    const fam = pick(pool.family.length ? pool.family : pool.given);
    return { value: surnameFirst ? `${fam} ${g}` : `${g} ${fam}`, origin };
  }

  // National ids built here with each scheme's published check rule.
  const ids: Record<string, () => { valid: string; invalid: string }> = {
    ES_DNI: () => { const n = digits(8); const l = 'TRWAGMYFPDXBNJZSQVHLCKE'; const k = Number(n) % 23; return { valid: n + l[k], invalid: n + l[(k + 1) % 23] }; },
    NL_BSN: () => { for (;;) { const n = String(f.number.int({ min: 1, max: 9 })) + digits(7); const s = [...n].reduce((a, d, i) => a + Number(d) * (9 - i), 0); const c = s % 11; if (c < 10) return { valid: n + c, invalid: n + ((c + 1) % 10) }; } },
    GB_NHS: () => { for (;;) { const n = digits(9); const s = [...n].reduce((a, d, i) => a + Number(d) * (10 - i), 0); let c = 11 - (s % 11); if (c === 11) c = 0; if (c !== 10) { const fmt = (x: string) => `${x.slice(0, 3)} ${x.slice(3, 6)} ${x.slice(6)}`; return { valid: fmt(n + c), invalid: fmt(n + ((c + 1) % 10)) }; } } },
    BR_CPF: () => { for (;;) { const n = digits(9); if (/^(\d)\1+$/.test(n)) continue; const dv = (xs: string) => { const s = [...xs].reduce((a, d, i) => a + Number(d) * (xs.length + 1 - i), 0); const r = (s * 10) % 11; return r === 10 ? 0 : r; }; const d1 = dv(n); const d2 = dv(n + d1); const fmt = (x: string) => `${x.slice(0, 3)}.${x.slice(3, 6)}.${x.slice(6, 9)}-${x.slice(9)}`; return { valid: fmt(`${n}${d1}${d2}`), invalid: fmt(`${n}${d1}${(d2 + 1) % 10}`) }; } },
    CA_SIN: () => { for (;;) { const n = String(f.number.int({ min: 1, max: 7 })) + digits(7); for (let c = 0; c < 10; c++) { const x = n + c; let s = 0; for (let i = 0; i < 9; i++) { let d = Number(x[i]) * (i % 2 ? 2 : 1); if (d > 9) d -= 9; s += d; } if (s % 10 === 0) { const fmt = (y: string) => `${y.slice(0, 3)} ${y.slice(3, 6)} ${y.slice(6)}`; return { valid: fmt(x), invalid: fmt(n + ((c + 1) % 10)) }; } } } },
    GB_NINO: () => { const p = pick(['AB', 'CE', 'JG', 'KL', 'PR', 'SW', 'NE', 'WX']) /* prefixes HMRC issues (TN, drawn here before, never is) */; const v = `${p} ${digits(2)} ${digits(2)} ${digits(2)} ${pick(['A', 'B', 'C', 'D'])}`; return { valid: v, invalid: `${p.slice(0, 1)}Q ${digits(2)} ${digits(2)} ${digits(2)} E` }; },
  };
  const idCue: Record<string, Record<string, string>> = {
    ES_DNI: { es: 'Mi DNI es ', en: 'My DNI is ' }, NL_BSN: { nl: 'Mijn BSN is ', en: 'BSN: ' }, GB_NHS: { en: 'NHS number: ' },
    BR_CPF: { pt: 'Meu CPF é ', en: 'CPF ' }, CA_SIN: { en: 'SIN ', fr: 'NAS : ' }, GB_NINO: { en: 'National Insurance number ' },
  };

  function address(language: Language): string {
    const sf = (streetFakers as Record<string, Faker>)[language];
    const n = f.number.int({ min: 1, max: 250 });
    switch (language) {
      case 'fr': return `${n} ${pick(['rue', 'avenue', 'boulevard', 'place', 'chemin'])} ${pick(['de la ', 'des ', 'du ', ''])}${cap(sf.word.noun())}, ${sf.location.zipCode('#####')} ${sf.location.city()}`;
      case 'de': return `${cap(sf.word.noun())}${pick(['straße', 'weg', 'allee', 'platz'])} ${n}${pick(['', 'a', 'b'])}, ${sf.location.zipCode('#####')} ${sf.location.city()}`;
      case 'es': return `${pick(['Calle', 'Avenida', 'Paseo', 'Plaza'])} ${pick(['de ', 'del ', ''])}${cap(sf.word.noun())} ${n}, ${sf.location.zipCode('#####')} ${sf.location.city()}`;
      case 'it': return `${pick(['Via', 'Viale', 'Piazza', 'Corso'])} ${cap(sf.word.noun())} ${n}, ${sf.location.zipCode('#####')} ${sf.location.city()}`;
      case 'pt': return `${pick(['Rua', 'Avenida', 'Travessa'])} ${cap(sf.word.noun())}, ${n} - ${sf.location.zipCode('#####-###')} ${sf.location.city()}`;
      case 'nl': return `${cap(sf.word.noun())}${pick(['straat', 'laan', 'weg', 'gracht'])} ${n}, ${digits(4)} ${f.string.alpha({ length: 2, casing: 'upper' })} ${sf.location.city()}`;
      case 'ja': return `〒${digits(3)}-${digits(4)} 東京都${pick(['渋谷区', '新宿区', '港区'])}${pick(['神南', '西新宿', '六本木'])}${f.number.int({ min: 1, max: 9 })}-${f.number.int({ min: 1, max: 20 })}`;
      default: return pick([
        () => `${n} ${cap(f.word.noun())} ${pick(['Street', 'Road', 'Lane', 'Avenue'])}, ${pick(['London', 'Leeds', 'Bristol'])} ${pick(['SW1A', 'LS1', 'BS8', 'M1'])} ${f.number.int(9)}${f.string.alpha({ length: 2, casing: 'upper' })}`,
        () => `${n} ${cap(f.word.noun())} ${pick(['Road', 'Marg', 'Nagar'])}, ${pick(['Pune', 'Chennai', 'Jaipur'])} ${digits(6)}`,
        () => `${n} ${cap(f.word.noun())} ${pick(['Street', 'Avenue'])}, ${pick(['Toronto, ON', 'Ottawa, ON', 'Vancouver, BC'])} ${f.string.alpha({ casing: 'upper' })}${f.number.int(9)}${f.string.alpha({ casing: 'upper' })} ${f.number.int(9)}${f.string.alpha({ casing: 'upper' })}${f.number.int(9)}`,
        () => `${n} ${cap(f.word.noun())} ${pick(['Street', 'Road'])}, ${pick(['Sydney NSW 2000', 'Melbourne VIC 3000'])}`,
      ])();
    }
  }

  type Piece = string | { type: string; value: string; detail: string };
  const P = (type: string, value: string, detail: string): Piece => ({ type, value, detail });
  const latinTemplates: Record<string, Array<() => Piece[]>> = {
    en: [
      () => { const p = person(); return ['Hello, I am ', P('PERSON', p.value, p.origin), ' and my order never arrived.']; },
      () => { const p = person(); return [P('PERSON', p.value, p.origin), ' confirmed the refund this morning.']; },
      () => { const p = person(); return ['Kind regards,\n', P('PERSON', p.value, p.origin)]; },
      () => { const p = person(); return ['Could you transfer me to ', P('PERSON', p.value, p.origin), '?']; },
      () => { const p = person(); return ['hey, my name is ', P('PERSON', p.value.toLowerCase(), p.origin), ', the app crashes']; },
      () => ['Please send it to ', P('STREET_ADDRESS', address('en'), 'en'), '.'],
    ],
    de: [
      () => { const p = person(); return ['Guten Tag, mein Name ist ', P('PERSON', p.value, p.origin), '.']; },
      () => { const p = person(); return ['Mit freundlichen Grüßen\n', P('PERSON', p.value, p.origin)]; },
      () => ['Bitte liefern Sie an ', P('STREET_ADDRESS', address('de'), 'de'), '.'],
    ],
    fr: [
      () => { const p = person(); return ['Bonjour, je m\'appelle ', P('PERSON', p.value, p.origin), '.']; },
      () => { const p = person(); return ['Cordialement,\n', P('PERSON', p.value, p.origin)]; },
      () => ['Mon adresse est ', P('STREET_ADDRESS', address('fr'), 'fr'), '.'],
    ],
    es: [
      () => { const p = person(); return ['Hola, me llamo ', P('PERSON', p.value, p.origin), ' y tengo un problema.']; },
      () => ['Envíenlo a ', P('STREET_ADDRESS', address('es'), 'es'), ', por favor.'],
    ],
    it: [
      () => { const p = person(); return ['Buongiorno, mi chiamo ', P('PERSON', p.value, p.origin), '.']; },
      () => ['Il mio indirizzo è ', P('STREET_ADDRESS', address('it'), 'it'), '.'],
    ],
    pt: [
      () => { const p = person(); return ['Olá, meu nome é ', P('PERSON', p.value, p.origin), '.']; },
      () => ['Entreguem em ', P('STREET_ADDRESS', address('pt'), 'pt'), '.'],
    ],
    nl: [
      () => { const p = person(); return ['Goedemiddag, mijn naam is ', P('PERSON', p.value, p.origin), '.']; },
      () => ['Mijn adres is ', P('STREET_ADDRESS', address('nl'), 'nl'), '.'],
    ],
  };
  const cjkTemplates: Record<'ja' | 'zh' | 'ko', () => Piece[]> = {
    ja: () => pick([() => ['私の名前は', P('PERSON', pick(cjk.ja.family) + pick(cjk.ja.given), 'East Asian (script)'), 'です。注文が届きません。'], () => ['住所は', P('STREET_ADDRESS', address('ja'), 'ja'), 'です。']])(),
    zh: () => ['您好，我叫', P('PERSON', pick(cjk.zh.family) + pick(cjk.zh.given), 'East Asian (script)'), '，我的订单有问题。'],
    ko: () => ['안녕하세요, 제 이름은 ', P('PERSON', pick(cjk.ko.family) + pick(cjk.ko.given), 'East Asian (script)'), '입니다.'],
  };
  const negatives: Record<string, string[]> = {
    en: ['Will this be fixed soon?', 'May I get an update?', 'Grant the team access, please.', 'Mark the ticket as urgent.', 'Order 4815162342 is late.', 'We run version 2.14.3.7 now.'],
    de: ['Die Rechnung ist falsch.', 'Der Techniker kommt am Montag.', 'Bestellnummer 38472910 ist noch offen.', 'Können Sie mir helfen?'],
    fr: ['La livraison est en retard.', 'Merci pour votre aide.', 'Commande 99120033 toujours en attente.'],
    es: ['El pedido llegó dañado.', 'Gracias por la ayuda.', 'Pedido 55120981 sin enviar.'],
    it: ['Il pacco è arrivato rotto.', 'Grazie mille per il supporto.', 'Ordine 77120044 in ritardo.'],
    pt: ['A entrega atrasou.', 'Obrigado pela ajuda.', 'Pedido 66120033 pendente.'],
    nl: ['De bestelling is beschadigd.', 'Bedankt voor de hulp.', 'Bestelling 44120099 is onderweg.'],
    ja: ['注文番号は12345678です。'], zh: ['订单号是87654321。'], ko: ['주문 번호는 11223344입니다.'],
  };

  return function next(): OodRecord {
    const language = pick(['en', 'en', 'en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'ja', 'zh', 'ko'] as Language[]);
    const sentences: Piece[][] = [];
    for (let i = 0; i < f.number.int({ min: 1, max: 3 }); i++) {
      const roll = f.number.float();
      if (roll < 0.45) sentences.push(language === 'ja' || language === 'zh' || language === 'ko' ? cjkTemplates[language]() : pick(latinTemplates[language])());
      else if (roll < 0.7 && !['ja', 'zh', 'ko'].includes(language)) {
        const kind = pick(Object.keys(ids));
        const id = ids[kind]();
        const cue = idCue[kind][language] ?? idCue[kind].en ?? Object.values(idCue[kind])[0];
        sentences.push(f.datatype.boolean(0.8) ? [cue, P('NATIONAL_ID', id.valid, kind)] : [`${cue}${id.invalid}`, { type: 'DECOY', value: '', detail: kind }]);
      } else sentences.push([pick(negatives[language])]);
    }
    let text = '';
    const spans: OodSpan[] = [];
    for (const pieces of sentences) {
      if (text) text += ' ';
      for (const piece of pieces) {
        if (typeof piece === 'string') text += piece;
        else if (piece.type === 'DECOY') spans.push({ start: -1, end: -1, type: 'DECOY', detail: piece.detail });
        else { spans.push({ start: text.length, end: text.length + piece.value.length, type: piece.type, detail: piece.detail }); text += piece.value; }
      }
    }
    return { language, text, spans };
  };
}
