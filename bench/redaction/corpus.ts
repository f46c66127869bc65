/**
 * Deterministic labeled corpus for the redaction benchmark: support-ticket style chat, text and
 * prompt/completion records with planted entities (gold spans) and hard negatives (order numbers,
 * versions, Luhn-failing numbers, non-birth dates, plain URLs, names-as-words at sentence start).
 */
import { Faker, base, de, en, en_GB, en_US, es, fr } from '@faker-js/faker';

export type GoldType =
  | 'EMAIL' | 'PHONE' | 'CREDIT_CARD' | 'US_SSN' | 'IBAN' | 'IP_ADDRESS'
  | 'URL_CREDENTIALS' | 'SECRET' | 'PERSON' | 'STREET_ADDRESS' | 'DATE_OF_BIRTH';

export type DatasetFormat = 'chat' | 'prompt_completion' | 'text';

/** [text-field index, start, end, type]; offsets in UTF-16 code units. */
export type Label = [number, number, number, GoldType];

export interface CorpusRecord {
  format: DatasetFormat;
  record: Record<string, unknown>;
  labels: Label[];
}

type Piece = string | { type: GoldType; value: string };

export function textFieldsOf(format: DatasetFormat, record: Record<string, unknown>): string[] {
  if (format === 'chat') return (record.messages as Array<{ content: string }>).map((m) => m.content);
  if (format === 'prompt_completion') return [record.prompt as string, record.completion as string];
  return [record.text as string];
}

export function createCorpusGenerator(seed: number) {
  const us = new Faker({ locale: [en_US, en, base], seed });
  const intl = [de, fr, es, en_GB].map((locale, i) => new Faker({ locale: [locale, en, base], seed: seed + 1 + i }));
  const f = us;
  const pickIntl = () => intl[f.number.int({ max: intl.length - 1 })];
  const e = (type: GoldType, value: string): Piece => ({ type, value });

  const name = () => `${f.person.firstName()} ${f.person.lastName()}`;
  const intlName = () => {
    const g = pickIntl();
    return `${g.person.firstName()} ${g.person.lastName()}`;
  };
  const ssn = () => {
    let area = f.number.int({ min: 1, max: 899 });
    if (area === 666) area = 665;
    return `${String(area).padStart(3, '0')}-${String(f.number.int({ min: 1, max: 99 })).padStart(2, '0')}-${String(f.number.int({ min: 1, max: 9999 })).padStart(4, '0')}`;
  };
  const usPhone = () => f.phone.number({ style: f.helpers.arrayElement(['human', 'national', 'international'] as const) });
  const intlPhone = () => pickIntl().phone.number({ style: 'international' });
  const dateText = (d: Date) =>
    f.helpers.arrayElement([
      () => d.toISOString().slice(0, 10),
      () => `${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/${d.getUTCFullYear()}`,
      () => d.toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' }),
      () => d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
    ])();
  const awsKey = () => `AKIA${f.string.alphanumeric({ length: 16, casing: 'upper' })}`;
  const jwt = () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: f.string.uuid(), name: f.person.firstName(), iat: f.number.int({ min: 1.6e9, max: 1.8e9 }) })}.${f.string.alphanumeric(43)}`;
  };
  const luhnFailing = () => {
    let digits = f.string.numeric(16);
    while (luhnValid(digits)) digits = f.string.numeric(16);
    return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
  };

  const positives: Array<() => Piece[]> = [
    () => ['You can reach me at ', e('EMAIL', f.internet.email()), ' any time.'],
    () => ['Please update the account email to ', e('EMAIL', f.internet.email()), '.'],
    () => ['Login keeps failing for ', e('EMAIL', f.internet.email()), ' since the last update.'],
    () => ['cc ', e('EMAIL', f.internet.email()), ' on the reply, thanks.'],
    () => ['Call me back at ', e('PHONE', usPhone()), ' after 5pm.'],
    () => ['My number is ', e('PHONE', usPhone()), '.'],
    () => ['Our office in Europe is on ', e('PHONE', intlPhone()), ', ask for the front desk.'],
    () => ['The courier should text ', e('PHONE', usPhone()), ' on arrival.'],
    () => ['I was charged twice on card ', e('CREDIT_CARD', f.finance.creditCardNumber()), ', please refund one.'],
    () => ['Card number ', e('CREDIT_CARD', f.finance.creditCardNumber({ issuer: f.helpers.arrayElement(['visa', 'mastercard', 'amex', 'discover']) }).replace(/-/g, f.helpers.arrayElement(['-', ' ', '']))), ' exp 09/27.'],
    () => ['My SSN is ', e('US_SSN', ssn()), ' for the tax form.'],
    () => ['For verification, social security number ', e('US_SSN', ssn()), '.'],
    () => ['Please refund to IBAN ', e('IBAN', f.finance.iban({ formatted: f.datatype.boolean() })), '.'],
    () => ['Our bank details: ', e('IBAN', f.finance.iban({ formatted: true })), ' (BIC ', f.finance.bic(), ').'],
    () => ['The failed requests came from ', e('IP_ADDRESS', f.internet.ipv4()), ' this morning.'],
    () => ['We blocked ', e('IP_ADDRESS', f.internet.ipv6()), ' after repeated login attempts.'],
    () => ['Server ', e('IP_ADDRESS', f.internet.ipv4()), ' stopped answering on port ', String(f.internet.port()), '.'],
    () => {
      const user = f.internet.username().replace(/[^A-Za-z0-9._-]/g, '');
      return ['The webhook posts to https://', e('URL_CREDENTIALS', `${user}:${f.internet.password({ length: 12 })}`), `@${f.internet.domainName()}/hooks/in`];
    },
    () => ['Connection string: postgres://', e('URL_CREDENTIALS', `${f.internet.username().replace(/[^A-Za-z0-9._-]/g, '')}:${f.string.alphanumeric(14)}`), `@db.${f.internet.domainName()}:5432/app`],
    () => ['Here is the access key: ', e('SECRET', awsKey()), ', rotate it after.'],
    () => ['api_key=', e('SECRET', f.string.alphanumeric(32)), ' is in the config'],
    () => ['Authorization: Bearer ', e('SECRET', jwt())],
    () => ['my password is ', e('SECRET', `${f.internet.password({ length: 10 })}7!`), ' but it stopped working'],
    () => ['GitHub token ', e('SECRET', `ghp_${f.string.alphanumeric(36)}`), ' was pasted by mistake.'],
    () => ['Dear ', e('PERSON', name()), ','],
    () => ['Hi ', e('PERSON', f.person.firstName()), ', thanks for the quick reply.'],
    () => ['This is ', e('PERSON', name()), ' from ', f.company.name(), '.'],
    () => [e('PERSON', name()), ' approved the refund yesterday.'],
    () => ['Please ask Mr. ', e('PERSON', f.person.lastName()), ' to call us.'],
    () => ['Regards,\n', e('PERSON', name())],
    () => ['I spoke with ', e('PERSON', name()), ' on the phone.'],
    () => ['Hello, my name is ', e('PERSON', intlName()), ' and I need help.'],
    () => ['Ship the replacement to ', e('STREET_ADDRESS', f.location.streetAddress(f.datatype.boolean())), ', ', f.location.city(), ', ', f.location.state({ abbreviated: true }), ' ', f.location.zipCode('#####'), '.'],
    () => ['My new address is ', e('STREET_ADDRESS', f.location.streetAddress()), '.'],
    () => ['I was born on ', e('DATE_OF_BIRTH', dateText(f.date.birthdate())), '.'],
    () => ['DOB: ', e('DATE_OF_BIRTH', dateText(f.date.birthdate())), ', please verify.'],
    () => ['Date of birth ', e('DATE_OF_BIRTH', dateText(f.date.birthdate())), ' is on the form.'],
  ];

  const negatives: Array<() => Piece[]> = [
    () => [`Order #${f.string.numeric(10)} has shipped.`],
    () => [`Ticket ${f.string.numeric(3)}-${f.string.numeric(3)}-${f.string.numeric(4)} was escalated to tier 2.`],
    () => [`Please upgrade to version ${f.system.semver()}.${f.number.int(9)} before retrying.`],
    () => [`Firmware ${f.number.int({ min: 1, max: 9 })}.${f.number.int(20)}.${f.number.int(9)}.${f.number.int(99)} fixed the issue.`],
    () => [`The reference ${luhnFailing()} did not match any payment.`],
    () => [`The invoice total was $${f.finance.amount()} and it is due on ${dateText(f.date.soon())}.`],
    () => [`The meeting is on ${dateText(f.date.recent())} at ${f.number.int({ min: 1, max: 12 })}pm.`],
    () => [`See ${f.internet.url()} for the status page.`],
    () => ['Will this work on the older model?'],
    () => ['May we close this ticket?'],
    () => ['Grant access to the billing page for the new team.'],
    () => ['Mark this as resolved once deployed.'],
    () => [`${f.hacker.phrase()}`],
    () => [`${f.company.catchPhrase()}.`],
    () => [`The ${f.commerce.productName()} arrived damaged.`],
    () => [`${f.lorem.sentence()}`],
  ];

  function field(): { text: string; spans: Array<[number, number, GoldType]> } {
    const count = f.number.int({ min: 1, max: 4 });
    let text = '';
    const spans: Array<[number, number, GoldType]> = [];
    for (let s = 0; s < count; s++) {
      const pieces = (f.number.float() < 0.55 ? f.helpers.arrayElement(positives) : f.helpers.arrayElement(negatives))();
      if (text) text += ' ';
      for (const piece of pieces) {
        if (typeof piece === 'string') text += piece;
        else {
          spans.push([text.length, text.length + piece.value.length, piece.type]);
          text += piece.value;
        }
      }
    }
    return { text, spans };
  }

  return function nextRecord(): CorpusRecord {
    const roll = f.number.float();
    const format: DatasetFormat = roll < 0.6 ? 'chat' : roll < 0.85 ? 'text' : 'prompt_completion';
    const fields = Array.from({ length: format === 'chat' ? f.number.int({ min: 2, max: 6 }) : format === 'text' ? 1 : 2 }, field);
    const labels: Label[] = fields.flatMap((fld, i) => fld.spans.map(([s, en2, t]) => [i, s, en2, t] as Label));
    const id = f.string.uuid();
    const record =
      format === 'chat'
        ? { id, messages: fields.map((fld, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: fld.text })) }
        : format === 'text'
          ? { id, text: fields[0].text }
          : { id, prompt: fields[0].text, completion: fields[1].text };
    return { format, record, labels };
  };
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
