import type { Detector, Finding } from '../types.js';

/**
 * Credentials embedded in URLs: `scheme://user:password@host`. Anchored on "://" so only URL
 * starts are examined; userinfo classes exclude '@', '/' and whitespace, so there is no
 * backtracking. The finding covers `user:password` and leaves scheme and host readable.
 */
export const USERINFO = /:\/\/([^\s:@/?#[\]]{1,128}):([^\s@/?#]{1,256})@/g;

export const urlCredentialsDetector: Detector = {
  name: 'url_credentials',
  version: '1',
  detect(text: string, out: Finding[]): void {
    USERINFO.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = USERINFO.exec(text)) !== null) {
      const schemeEnd = match.index;
      if (!/[A-Za-z][A-Za-z0-9+.-]{0,20}$/.test(text.slice(Math.max(0, schemeEnd - 21), schemeEnd))) continue;
      const start = schemeEnd + 3;
      const end = schemeEnd + match[0].length - 1;
      out.push({ type: 'URL_CREDENTIALS', start, end, confidence: 0.98, detector: 'url_credentials' });
    }
  },
};
