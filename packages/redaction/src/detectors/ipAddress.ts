import type { Detector, Finding } from '../types';
import { textBefore } from '../text';

/**
 * IPv4 and IPv6 addresses. Candidates come from fixed-width/bounded regexes whose character
 * classes do not overlap their delimiters (linear); validation is done in code. Dotted quads that
 * follow a version cue ("version 1.2.3.4", "v", "build", "firmware") are versions, not addresses.
 */
export const IPV4 = /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/g;
export const IPV6 = /[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]{0,39}/y;
export const VERSION_CUE = /(?:\bversions?|\bver\.?|\bv|\brelease|\brelease[sd]?|\bbuild|\bfirmware|\brevision|\brev\.?|\bpatch|\bupdate|\bupgrade(?:d)? to|\bsdk|\bapi)\s{0,3}:?\s{0,3}$/;

export const ipAddressDetector: Detector = {
  name: 'ip_address',
  version: '1',
  detect(text: string, out: Finding[]): void {
    detectIpv4(text, out);
    detectIpv6(text, out);
  },
};

function detectIpv4(text: string, out: Finding[]): void {
  IPV4.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = IPV4.exec(text)) !== null) {
    const start = match.index;
    const end = start + match[0].length;
    if (/[\w.]/.test(text[start - 1] ?? '') || /\w/.test(text[end] ?? '')) continue;
    if (text[end] === '.' && /\d/.test(text[end + 1] ?? '')) continue; // 1.2.3.4.5
    if (!isIpv4(match[0])) continue;
    if (VERSION_CUE.test(textBefore(text, start, 24))) continue;
    out.push({ type: 'IP_ADDRESS', start, end, confidence: 0.9, detector: 'ip_address' });
  }
}

/** Anchored at colons (indexOf), so prose without ':' costs one scan and no regex attempts. */
function detectIpv6(text: string, out: Finding[]): void {
  let colon = text.indexOf(':');
  while (colon !== -1) {
    let start = colon;
    while (start > 0 && colon - start < 4 && /[0-9A-Fa-f]/.test(text[start - 1])) start--;
    IPV6.lastIndex = start;
    const match = IPV6.exec(text);
    if (!match) {
      colon = text.indexOf(':', colon + 1);
      continue;
    }
    let end = start + match[0].length;
    colon = text.indexOf(':', end);
    while (end > start && (text[end - 1] === '.' || (text[end - 1] === ':' && text[end - 2] !== ':'))) end--;
    if (/[\w:]/.test(text[start - 1] ?? '') || /[\w:]/.test(text[end] ?? '')) continue;
    if (!isIpv6(text.slice(start, end))) continue;
    out.push({ type: 'IP_ADDRESS', start, end, confidence: 0.9, detector: 'ip_address' });
  }
}

export function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255 && !(part.length > 1 && part[0] === '0'));
}

export function isIpv6(value: string): boolean {
  let body = value;
  let groupsForV4 = 0;
  const lastColon = body.lastIndexOf(':');
  if (body.slice(lastColon + 1).includes('.')) {
    if (!isIpv4(body.slice(lastColon + 1))) return false;
    body = body.slice(0, lastColon + 1) + '0';
    groupsForV4 = 1; // the dotted tail takes two groups; we replaced it with one
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  if (groups.some((list) => list.some((group) => !/^[0-9A-Fa-f]{1,4}$/.test(group)))) return false;
  const count = groups.reduce((sum, list) => sum + list.length, 0) + groupsForV4;
  if (halves.length === 2) return count <= 7 && count >= 1;
  return count === 8;
}
