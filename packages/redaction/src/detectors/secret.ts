import type { Detector, Finding } from '../types';
import { isAsciiAlnumCode } from '../text';

/**
 * Secrets: AWS access key ids, PEM private-key blocks, JWTs, bearer tokens, well-known API-key
 * prefixes, and high-entropy tokens (or passwords) that follow a key/token/secret/password cue.
 * Every pattern starts with a literal prefix and uses bounded character classes that exclude the
 * following delimiter, so each is linear. Scanning happens on decoded JSON strings, which is what
 * catches secrets written with JSON escapes ("AKIA\u0049...", PEM blocks with "\n").
 */
export const AWS_KEY_ID = /(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}/g;
/** JWT header start; payload and signature are consumed by scanRun (long tokens exceed regex bounds). */
export const JWT_HEAD = /eyJ[A-Za-z0-9_-]{8,1000}\.eyJ/g;
export const BEARER = /[Bb]earer[ \t]{1,4}/g;
export const BASE64URL = /[A-Za-z0-9_-]/;
export const TOKEN68 = /[A-Za-z0-9._~+/-]/;
const MAX_TOKEN = 16_384;
export const PREFIXED_KEY =
  /(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,200}|gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255}|xox[abprs]-[A-Za-z0-9-]{10,250}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,64}|npm_[A-Za-z0-9]{36}|rfy_[A-Za-z0-9_-]{43}/g;
export const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----/g;
export const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----/g;
export const CUE = /api[_ -]?key|apikey|access[_ -]?key|secret|token|passw(?:or)?d|passphrase|pwd|credential|auth[_ -]?key|client[_ -]?secret/gi;
export const CUE_VALUE = /^["']?\s{0,3}(?:[:=]|=>|\bis\b|\bwas\b)?\s{0,3}["'`]?([A-Za-z0-9+/_=.\-!@#$%^&*~]{6,512})/;

export const secretDetector: Detector = {
  name: 'secret',
  version: '1',
  detect(text: string, out: Finding[]): void {
    // String.includes is a memchr-speed scan; the regexes below only run when their literal is present.
    if (AWS_PREFIXES.some((prefix) => text.includes(prefix))) {
      pushMatches(text, AWS_KEY_ID, out, 0.98, (s, e) => !isAsciiAlnumCode(text.charCodeAt(s - 1)) && !isAsciiAlnumCode(text.charCodeAt(e)));
    }
    if (text.includes('eyJ')) detectJwts(text, out);
    if (KEY_PREFIXES.some((prefix) => text.includes(prefix))) {
      // Refinery's own API tokens have a fixed shape, so they need no randomness check.
      const isKey = (s: number, e: number) => text.startsWith('rfy_', s) || looksRandom(text.slice(s, e));
      pushMatches(text, PREFIXED_KEY, out, 0.95, (s, e) => !isAsciiAlnumCode(text.charCodeAt(s - 1)) && isKey(s, e));
    }
    if (text.includes('earer')) detectBearer(text, out);
    detectPem(text, out);
    detectCuedTokens(text, out);
  },
};

function pushMatches(text: string, pattern: RegExp, out: Finding[], confidence: number, accept: (start: number, end: number) => boolean): void {
  pattern.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    const start = match.index;
    const end = start + match[0].length;
    if (accept(start, end)) out.push({ type: 'SECRET', start, end, confidence, detector: 'secret' });
  }
}

/** End of the run of `allowed` characters starting at `index` (bounded by MAX_TOKEN). */
function scanRun(text: string, index: number, allowed: RegExp): number {
  let end = index;
  while (end < text.length && end - index < MAX_TOKEN && allowed.test(text[end])) end++;
  return end;
}

function detectJwts(text: string, out: Finding[]): void {
  JWT_HEAD.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = JWT_HEAD.exec(text)) !== null) {
    const start = match.index;
    if (isAsciiAlnumCode(text.charCodeAt(start - 1))) continue;
    const payloadEnd = scanRun(text, start + match[0].length, BASE64URL);
    if (payloadEnd - (start + match[0].length) < 4 || text[payloadEnd] !== '.') continue;
    const end = scanRun(text, payloadEnd + 1, BASE64URL);
    out.push({ type: 'SECRET', start, end, confidence: 0.95, detector: 'secret' });
    JWT_HEAD.lastIndex = end;
  }
}

function detectBearer(text: string, out: Finding[]): void {
  BEARER.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = BEARER.exec(text)) !== null) {
    const start = match.index + match[0].length;
    let end = scanRun(text, start, TOKEN68);
    while (text[end] === '=' && end - start < MAX_TOKEN) end++;
    if (end - start >= 16 && looksRandom(text.slice(start, end))) out.push({ type: 'SECRET', start, end, confidence: 0.9, detector: 'secret' });
  }
}

function detectPem(text: string, out: Finding[]): void {
  if (!text.includes('-----BEGIN ')) return;
  PEM_BEGIN.lastIndex = 0;
  let begin: RegExpExecArray | null;
  let endsExhausted = false; // once no END line follows, none follows later BEGINs either: stay linear
  while ((begin = PEM_BEGIN.exec(text)) !== null) {
    PEM_END.lastIndex = begin.index + begin[0].length;
    const end = endsExhausted ? null : PEM_END.exec(text);
    if (!end) endsExhausted = true;
    // A truncated block (no END line) still leaks the key material: take the base64 body.
    let stop = end ? end.index + end[0].length : begin.index + begin[0].length;
    if (!end) while (stop < text.length && /[A-Za-z0-9+/=\s]/.test(text[stop])) stop++;
    out.push({ type: 'SECRET', start: begin.index, end: stop, confidence: 0.99, detector: 'secret' });
    PEM_BEGIN.lastIndex = stop;
  }
}

/** "api_key=3f9a...", "password: Tr0ub4dor&3", "token is sk9..." → the value after the cue. */
const AWS_PREFIXES = ['AKIA', 'ASIA', 'AGPA', 'AIDA', 'AROA', 'ANPA'];
/** Literals that every PREFIXED_KEY alternative contains. */
const KEY_PREFIXES = ['_live_', '_test_', 'sk-', 'ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'xox', 'AIza', 'glpat-', 'npm_', 'rfy_'];
const CUE_HINTS = ['key', 'secret', 'token', 'pass', 'pwd', 'credential'];

function detectCuedTokens(text: string, out: Finding[]): void {
  // A case-insensitive alternation is slow to scan with; most texts contain no cue at all.
  const lower = text.toLowerCase();
  if (!CUE_HINTS.some((hint) => lower.includes(hint))) return;
  CUE.lastIndex = 0;
  let cue: RegExpExecArray | null;
  while ((cue = CUE.exec(text)) !== null) {
    const after = cue.index + cue[0].length;
    const value = CUE_VALUE.exec(text.slice(after, after + 560));
    if (!value) continue;
    let token = value[1];
    token = token.replace(/[.,;:!)\]}'"`]{1,8}$/, '');
    const start = after + value[0].length - value[1].length;
    const isPassword = /pass|pwd/i.test(cue[0]);
    if (isPassword ? !looksLikePassword(token) : !looksRandom(token)) continue;
    out.push({ type: 'SECRET', start, end: start + token.length, confidence: isPassword ? 0.75 : 0.8, detector: 'secret' });
  }
}

/** Random-looking: long enough, letters and digits mixed, and high character entropy. */
export function looksRandom(token: string): boolean {
  if (token.length < 16) return false;
  if (!/[0-9]/.test(token) || !/[A-Za-z]/.test(token)) return false;
  return shannonEntropy(token) >= 3.2;
}

/** A password is short but not a dictionary word: needs a digit or symbol mixed with letters. */
function looksLikePassword(token: string): boolean {
  if (token.length < 6 || token.length > 128) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(token)).length;
  return classes >= 2 && /[^A-Za-z]/.test(token) && !/^\d+$/.test(token);
}

export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}
