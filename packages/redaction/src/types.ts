/** Built-in entity types, in the order reports list them. */
export const ENTITY_TYPES = [
  'EMAIL',
  'PHONE',
  'CREDIT_CARD',
  'US_SSN',
  'IBAN',
  'IP_ADDRESS',
  'URL_CREDENTIALS',
  'SECRET',
  'PERSON',
  'STREET_ADDRESS',
  'DATE_OF_BIRTH',
  'NATIONAL_ID',
] as const;

export type EntityType = (typeof ENTITY_TYPES)[number];

export const REDACTION_ACTIONS = ['mask', 'pseudonymize', 'hash', 'drop_record'] as const;
export type RedactionAction = (typeof REDACTION_ACTIONS)[number];

/** One detected span in a text. `type` is a built-in EntityType or a custom/deny-list name. */
export interface Finding {
  type: string;
  /** UTF-16 offsets into the scanned string, end exclusive (as String.prototype.slice). */
  start: number;
  end: number;
  /** 0..1; used to resolve overlaps. */
  confidence: number;
  /** Name of the detector that produced the finding. */
  detector: string;
}

export interface Detector {
  readonly name: string;
  /** Bumped whenever matching behaviour changes; recorded in every report. */
  readonly version: string;
  /** Appends findings for `text` to `out`. Must run in time linear in text length. */
  detect(text: string, out: Finding[]): void;
}

export function isBuiltInEntityType(value: string): value is EntityType {
  return (ENTITY_TYPES as readonly string[]).includes(value);
}
