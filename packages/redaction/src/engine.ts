import type { CountryCode } from 'libphonenumber-js';
import { createCustomPatternDetector } from './detectors/customPattern';
import { createDenyListDetector } from './detectors/denyList';
import { creditCardDetector } from './detectors/creditCard';
import { dateOfBirthDetector } from './detectors/dateOfBirth';
import { emailDetector } from './detectors/email';
import { ibanDetector } from './detectors/iban';
import { intlAddressDetector } from './detectors/intlAddress';
import { ipAddressDetector } from './detectors/ipAddress';
import { nationalIdDetector } from './detectors/nationalId';
import { personDetector } from './detectors/person';
import { createPhoneDetector } from './detectors/phone';
import { secretDetector } from './detectors/secret';
import { streetAddressDetector } from './detectors/streetAddress';
import { urlCredentialsDetector } from './detectors/urlCredentials';
import { usSsnDetector } from './detectors/usSsn';
import { DEFAULT_MAX_INPUT_BYTES, assertWithinLimit } from './errors';
import { resolveOverlaps } from './overlaps';
import type { RedactionPolicy } from './policy';
import type { Detector, EntityType, Finding } from './types';

export interface DetectionOptions {
  /** Longest text (UTF-8 bytes) scanned before RedactionInputTooLargeError; default 1 MiB. */
  maxInputBytes?: number;
  /** Region for phone numbers written without a '+' country code; default 'US'. */
  defaultPhoneRegion?: CountryCode;
}

export interface DetectionEngine {
  /** Non-overlapping findings sorted by start; throws RedactionInputTooLargeError for long text. */
  detect(text: string, line?: number): Finding[];
  /** detector name → version, for reports. */
  readonly detectorVersions: Readonly<Record<string, string>>;
}

function builtInDetector(type: EntityType, options: DetectionOptions): Detector {
  switch (type) {
    case 'EMAIL': return emailDetector;
    case 'PHONE': return createPhoneDetector(options.defaultPhoneRegion ?? 'US');
    case 'CREDIT_CARD': return creditCardDetector;
    case 'US_SSN': return usSsnDetector;
    case 'IBAN': return ibanDetector;
    case 'IP_ADDRESS': return ipAddressDetector;
    case 'URL_CREDENTIALS': return urlCredentialsDetector;
    case 'SECRET': return secretDetector;
    case 'PERSON': return personDetector;
    case 'STREET_ADDRESS': return streetAddressDetector;
    case 'DATE_OF_BIRTH': return dateOfBirthDetector;
    case 'NATIONAL_ID': return nationalIdDetector;
  }
}

/**
 * Builds the detector set for a policy. Each detector is linear in the text length, so a scan is
 * O(n · detectors); the input limit turns a pathological record into an error, not a stall.
 */
export function createDetectionEngine(policy: RedactionPolicy, options: DetectionOptions = {}): DetectionEngine {
  const maxInputBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const detectors: Detector[] = [...new Set(policy.entities)].map((type) => builtInDetector(type, options));
  // Street addresses have two detectors: the US/Commonwealth form and the continental/Asian forms.
  if (policy.entities.includes('STREET_ADDRESS')) detectors.push(intlAddressDetector);
  for (const custom of policy.custom ?? []) detectors.push(createCustomPatternDetector(custom.name, custom.pattern));
  for (const list of policy.denyList ?? []) detectors.push(createDenyListDetector(list.name, list.values));
  const enabledTypes = new Set<string>([...policy.entities, ...detectors.filter((d) => d.name.includes(':')).map((d) => d.name.split(':')[1])]);
  const detectorVersions = Object.fromEntries(detectors.map((d) => [d.name, d.version]));

  return {
    detectorVersions,
    detect(text: string, line?: number): Finding[] {
      assertWithinLimit(text, maxInputBytes, line);
      const raw: Finding[] = [];
      for (const detector of detectors) detector.detect(text, raw);
      // A detector may emit several types only in the future; keep to what the policy enabled.
      return resolveOverlaps(raw.filter((finding) => enabledTypes.has(finding.type)));
    },
  };
}
