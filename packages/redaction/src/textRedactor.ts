import { createDetectionEngine, type DetectionOptions } from './engine';
import { MissingProjectKeyError } from './errors';
import { createKeyedHasher, type KeyedHasher } from './keyedHash';
import { actionFor, parseRedactionPolicy, policyEntityTypes, policyHash, type RedactionPolicy, type RedactionPolicyInput } from './policy';
import { hashToken, surrogateFor } from './surrogates/generate';
import type { Finding, RedactionAction } from './types';

export interface RedactorOptions extends DetectionOptions {
  /** Per-project secret for pseudonymize and hash. Never written to outputs or reports. */
  projectKey?: string | Uint8Array;
  /** Alternative to projectKey: an HMAC-SHA256 implementation (e.g. backed by a KMS). */
  hasher?: KeyedHasher;
}

export interface AppliedRedaction {
  type: string;
  action: RedactionAction;
}

export interface TextRedactionResult {
  text: string;
  applied: AppliedRedaction[];
  /** A finding whose action is drop_record was present: the whole record must be dropped. */
  drop: boolean;
}

export interface TextRedactor {
  readonly policy: RedactionPolicy;
  readonly policyHash: string;
  readonly detectorVersions: Readonly<Record<string, string>>;
  readonly hasher: KeyedHasher | undefined;
  detect(text: string, line?: number): Finding[];
  redact(text: string, line?: number): TextRedactionResult;
}

export function createTextRedactor(policyInput: RedactionPolicyInput | RedactionPolicy, options: RedactorOptions = {}): TextRedactor {
  const policy = parseRedactionPolicy(policyInput);
  const engine = createDetectionEngine(policy, options);
  const hasher = options.hasher ?? (options.projectKey !== undefined ? createKeyedHasher(options.projectKey) : undefined);
  const actions = new Map(policyEntityTypes(policy).map((type) => [type, actionFor(policy, type)]));
  if (!hasher && [...actions.values()].some((action) => action === 'pseudonymize' || action === 'hash')) {
    throw new MissingProjectKeyError();
  }

  function replacement(type: string, value: string, action: RedactionAction): string {
    if (action === 'pseudonymize') return surrogateFor(type, value, hasher!);
    if (action === 'hash') return hashToken(type, value, hasher!);
    return `[${type}]`; // mask, and drop_record (the record is discarded; masking is belt and braces)
  }

  return {
    policy,
    policyHash: policyHash(policy),
    detectorVersions: engine.detectorVersions,
    hasher,
    detect: (text, line) => engine.detect(text, line),
    redact(text: string, line?: number): TextRedactionResult {
      const findings = engine.detect(text, line);
      if (findings.length === 0) return { text, applied: [], drop: false };
      const applied: AppliedRedaction[] = [];
      const parts: string[] = [];
      let cursor = 0;
      let drop = false;
      for (const finding of findings) {
        const action = actions.get(finding.type) ?? policy.action;
        if (action === 'drop_record') drop = true;
        parts.push(text.slice(cursor, finding.start), replacement(finding.type, text.slice(finding.start, finding.end), action));
        cursor = finding.end;
        applied.push({ type: finding.type, action });
      }
      parts.push(text.slice(cursor));
      return { text: parts.join(''), applied, drop };
    },
  };
}
