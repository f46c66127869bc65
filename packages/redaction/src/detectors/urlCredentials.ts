import type { Detector, Finding } from '../types';

/**
 * Credentials embedded in URLs: `scheme://user:password@host`. Anchored on "://" (indexOf), then
 * a bounded scan of the authority (up to the first '/', '?', '#' or whitespace, at most 512
 * characters): the userinfo runs to the authority's last '@', so an unencoded '@' inside the
 * password is still covered. The finding is `user:password`; scheme and host stay readable.
 */
const MAX_AUTHORITY = 512;
export const SCHEME_BEFORE = /[A-Za-z][A-Za-z0-9+.-]{0,20}$/;

export const urlCredentialsDetector: Detector = {
  name: 'url_credentials',
  version: '1',
  detect(text: string, out: Finding[]): void {
    let marker = text.indexOf('://');
    while (marker !== -1) {
      const start = marker + 3;
      let authorityEnd = start;
      let lastAt = -1;
      while (authorityEnd < text.length && authorityEnd - start < MAX_AUTHORITY && !/[\s/?#"'<>]/.test(text[authorityEnd])) {
        if (text[authorityEnd] === '@') lastAt = authorityEnd;
        authorityEnd++;
      }
      const colon = text.indexOf(':', start);
      const hasScheme = SCHEME_BEFORE.test(text.slice(Math.max(0, marker - 21), marker));
      if (hasScheme && lastAt > start && colon > start && colon < lastAt) {
        out.push({ type: 'URL_CREDENTIALS', start, end: lastAt, confidence: 0.98, detector: 'url_credentials' });
      }
      marker = text.indexOf('://', Math.max(authorityEnd, start));
    }
  },
};
