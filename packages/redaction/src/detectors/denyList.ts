import type { Detector, Finding } from '../types';
import { isWordCharAt } from '../text';

/**
 * Exact values that must never appear (project code names, internal hostnames), matched
 * case-insensitively on word boundaries. The values are escaped into one literal alternation,
 * which V8 matches without backtracking blow-up (no quantifiers at all).
 */
export function createDenyListDetector(name: string, values: readonly string[]): Detector {
  const escaped = [...new Set(values.map((value) => value.trim()).filter(Boolean))]
    .sort((a, b) => b.length - a.length) // longest first so "Acme Corp" wins over "Acme"
    .map((value) => value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const regex = new RegExp(escaped.join('|'), 'giu');
  return {
    name: `deny_list:${name}`,
    version: '1',
    detect(text: string, out: Finding[]): void {
      if (escaped.length === 0) return;
      regex.lastIndex = 0;
      let match: RegExpExecArray | null;
      while ((match = regex.exec(text)) !== null) {
        const start = match.index;
        const end = start + match[0].length;
        if (isWordCharAt(text, start - 1) && isWordCharAt(text, start)) continue;
        if (isWordCharAt(text, end) && isWordCharAt(text, end - 1)) continue;
        out.push({ type: name, start, end, confidence: 1, detector: `deny_list:${name}` });
      }
    },
  };
}
