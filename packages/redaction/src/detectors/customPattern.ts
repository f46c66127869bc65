import type { Detector, Finding } from '../types';
import { compileSafePattern } from '../patternSafety';

/** A user-defined entity from the policy, e.g. { name: 'CUSTOMER_ID', pattern: 'ACME-[0-9]{8}' }. */
export function createCustomPatternDetector(name: string, pattern: string): Detector {
  const regex = compileSafePattern(pattern);
  return {
    name: `custom:${name}`,
    version: '1',
    detect(text: string, out: Finding[]): void {
      regex.lastIndex = 0;
      let match: RegExpExecArray | null;
      while ((match = regex.exec(text)) !== null) {
        out.push({ type: name, start: match.index, end: match.index + match[0].length, confidence: 0.9, detector: `custom:${name}` });
      }
    },
  };
}
