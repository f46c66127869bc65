/**
 * PERSON development sample (not a benchmark): names drawn only from the *detector half* of the
 * faker name lists — the part `isInDevHoldout` marks — in templates written for this file (not the
 * OOD corpus's, not the tests'), seed 7, plus hard negatives. Run with the dev holdout switched on
 * so those names are out of the resources and the name model, as the OOD names are:
 *   REDACTION_DEV_HOLDOUT=1 node --import tsx bench/redaction/devPerson.ts [records] [--misses]
 * The OOD corpus's held-out half is never read here.
 */
import { Faker, allLocales, base, en } from '@faker-js/faker';
import { transliterate } from 'transliteration';
import { createTextRedactor, isInDetectorHalf, isInDevHoldout } from '@refinery/redaction';

const ORIGINS: Record<string, string[]> = {
  'South Asian': ['en_IN', 'en_NP'], 'East Asian (romanised)': ['zh_CN', 'zh_TW', 'ko', 'vi', 'en_HK'],
  African: ['en_GH', 'en_NG', 'yo_NG', 'zu_ZA', 'fr_SN'], 'Arabic/Persian/Turkish': ['ar', 'fa', 'tr', 'az', 'uz_UZ_latin', 'ur'],
  Slavic: ['ru', 'uk', 'pl', 'cs_CZ', 'sk', 'hr', 'sr_RS_latin'], Hispanic: ['es', 'es_MX'], Lusophone: ['pt_BR', 'pt_PT'],
  Nordic: ['sv', 'da', 'nb_NO', 'fi'], 'Western European': ['de', 'fr', 'it', 'nl'], English: ['en', 'en_AU'],
};

/** Own templates; {N} is the name. Cue-less English sentences are the hard part. */
const TEMPLATES: Record<string, string[]> = {
  en: [
    '{N} opened a ticket about the late delivery.', 'The refund was handled by {N} yesterday.', 'Please loop in {N} on this thread.',
    'I got a call from {N} about my order.', 'Can {N} check the invoice again?', 'Our account manager {N} is on leave this week.',
    'According to {N}, the package left the warehouse.', '{N} and I share this account.', 'Is {N} still working on the case?',
    'Forwarding to {N} for approval.', 'The parcel was signed for by {N}.', 'Yesterday {N} promised a callback.',
    'Reassign the case from {N} to the billing team.', "{N}'s laptop won't boot after the update.", 'cc {N}',
    'The order is under {N}, not under my name.', 'I already explained this to {N} twice.', 'Who is {N}? I never authorised them.',
    'Delivery for {N}, flat 3.', 'Hi team, {N} here again about the router.',
  ],
  de: ['Der Auftrag wurde von {N} angelegt.', 'Bitte leiten Sie das an {N} weiter.', 'Gestern hat {N} angerufen.'],
  fr: ['Le dossier est suivi par {N}.', 'Pouvez-vous transmettre à {N} ?', 'Hier, {N} a rappelé le service client.'],
  es: ['El pedido lo hizo {N} ayer.', 'Por favor, avisen a {N}.', 'La factura está a nombre de {N}.'],
  it: ['La pratica è seguita da {N}.', 'Ho parlato con {N} stamattina.'],
  pt: ['O pedido foi feito por {N}.', 'Falei com {N} ontem à tarde.'],
  nl: ['De bestelling is geplaatst door {N}.', 'Kunt u dit doorsturen naar {N}?'],
};
/** Own hard negatives: sentence-initial name-words, capitalised product/place/team names. */
const NEGATIVES = [
  'Will the update arrive today?', 'May we close this ticket now?', 'Grant read access to the shared folder.', 'Mark this email as spam.',
  'Customer Service said it was shipped.', 'The Premium Plan renewed automatically.', 'We use Google Drive and Microsoft Teams.',
  'Our office in New York is closed on Monday.', 'Please contact Technical Support again.', 'The Smart Watch arrived broken.',
  'Black Friday deals ended early.', 'Happy New Year from the whole team.', 'I moved to Buenos Aires last year.', 'The Eiffel Tower tour was cancelled.',
  'Apple Pay failed twice.', 'Amazon Prime renewed without asking.', 'Windows Update broke my printer.', 'Chase Bank declined the payment.',
  'Die Rechnung kam per Post.', 'La Banque Postale a refusé le paiement.', 'Mercado Livre cancelou o pedido.', 'El Corte Inglés no respondió.',
  'Can you reset my password?', 'Sure Thing, I will check.', 'Thanks for the Quick Reply.', 'Order Status: Shipped.', 'Cloud Storage is full.',
  'Rose Gold is out of stock.', 'The Golden Gate photo frame is missing.', 'Hope Street store is closed.', 'Bill Payment failed.', 'Iron Man figure arrived.',
  'Welcome Back! Your Account is ready.', 'Dear Customer, your refund is on its way.', 'Best Regards from Support.', 'Santa Clara warehouse shipped it.',
  'Costa Rica shipping is delayed.', 'Der Kundenservice Mitarbeiter hat nicht geantwortet.', 'Ich habe die Rücksendung Bestätigungsmail nicht bekommen.', 'We ordered the Xiaomi Redmi phone.', 'Shipping to Kuala Lumpur takes long.', 'I paid with Revolut Business.', 'The Bluetooth Headset is paired.', 'Lieferung Hauptbahnhof Nord verspätet.', 'Ticket Escalation Queue is full.', 'Gestern kam die Paketbenachrichtigung Zustellung nicht.', 'Installed Photoshop Elements yesterday.', 'Porto Alegre branch called.', 'Grand Canyon tour refund please.', 'Green Park station pickup point.',
];

function latin(word: string): string {
  const l = transliterate(word).replace(/[^A-Za-z'-]/g, '');
  return l ? l[0].toUpperCase() + l.slice(1).toLowerCase() : '';
}
function devNames(locales: string[]): { given: string[]; family: string[] } {
  const given = new Set<string>();
  const family = new Set<string>();
  const list = (x: unknown): string[] => (Array.isArray(x) ? x : x && typeof x === 'object' ? Object.values(x).flat() : []).filter((v): v is string => typeof v === 'string');
  for (const locale of locales) {
    const person = (allLocales as Record<string, { person?: { first_name?: unknown; last_name?: unknown } }>)[locale]?.person;
    for (const [src, dst] of [[person?.first_name, given], [person?.last_name, family]] as const)
      for (const raw of list(src)) for (const w of raw.split(/\s+/)) { const l = latin(w); if (l.length > 2 && isInDetectorHalf(l) && isInDevHoldout(l)) dst.add(l); }
  }
  return { given: [...given], family: [...family] };
}

const records = Number(process.argv[2] ?? 4000);
const showMisses = process.argv.includes('--misses');
const f = new Faker({ locale: [en, base], seed: 7 });
const pools = Object.fromEntries(Object.entries(ORIGINS).map(([o, l]) => [o, devNames(l)]));
const engine = createTextRedactor({ entities: ['PERSON'] });
const byOrigin: Record<string, { gold: number; hit: number }> = {};
const byLang: Record<string, { gold: number; hit: number }> = {};
let predictions = 0, correct = 0, negativeHits = 0;
const misses: string[] = [];
const fps: string[] = [];
for (let i = 0; i < records; i++) {
  if (f.number.float() < 0.25) {
    const text = f.helpers.arrayElement(NEGATIVES);
    const found = engine.detect(text).filter((x) => x.type === 'PERSON');
    predictions += found.length;
    negativeHits += found.length;
    for (const x of found) fps.push(`${text.slice(x.start, x.end)}  ⟵ ${text}`);
    continue;
  }
  const origin = f.helpers.arrayElement(Object.keys(pools));
  const pool = pools[origin];
  const g = f.helpers.arrayElement(pool.given.length ? pool.given : pool.family);
  const fam = f.helpers.arrayElement(pool.family.length ? pool.family : pool.given);
  const name = origin.startsWith('East Asian') && f.datatype.boolean() ? `${fam} ${g}` : `${g} ${fam}`;
  const lang = f.number.float() < 0.6 ? 'en' : f.helpers.arrayElement(['de', 'fr', 'es', 'it', 'pt', 'nl']);
  const template = f.helpers.arrayElement(TEMPLATES[lang]);
  const start = template.indexOf('{N}');
  const text = template.replace('{N}', name);
  const gold = { start, end: start + name.length };
  const found = engine.detect(text).filter((x) => x.type === 'PERSON');
  const overlap = (a: { start: number; end: number }, b: { start: number; end: number }) => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  const covered = found.reduce((s, x) => s + overlap(x, gold), 0);
  const hit = covered * 2 >= name.length;
  (byOrigin[origin] ??= { gold: 0, hit: 0 }).gold++;
  (byLang[lang] ??= { gold: 0, hit: 0 }).gold++;
  if (hit) { byOrigin[origin].hit++; byLang[lang].hit++; } else misses.push(`${origin}\t${name}\t⟵ ${text}  found=${JSON.stringify(found.map((x) => text.slice(x.start, x.end)))}`);
  for (const x of found) { predictions++; if (overlap(x, gold) * 2 >= x.end - x.start) correct++; else fps.push(`${text.slice(x.start, x.end)}  ⟵ ${text}`); }
}
const total = Object.values(byOrigin).reduce((a, b) => ({ gold: a.gold + b.gold, hit: a.hit + b.hit }), { gold: 0, hit: 0 });
console.log(`dev holdout active: ${process.env.REDACTION_DEV_HOLDOUT === '1'}; PERSON R ${(total.hit / total.gold).toFixed(3)} (${total.hit}/${total.gold}) P ${(correct / predictions).toFixed(3)}; negative-sentence finds ${negativeHits}`);
for (const [o, s] of Object.entries(byOrigin).sort()) console.log(`  ${o.padEnd(24)} ${(s.hit / s.gold).toFixed(3)} (${s.gold})`);
for (const [o, s] of Object.entries(byLang).sort()) console.log(`  lang ${o} ${(s.hit / s.gold).toFixed(3)} (${s.gold})`);
if (showMisses) { console.log('--- misses'); for (const m of misses) console.log(m); console.log('--- false finds'); for (const m of fps) console.log(m); }
