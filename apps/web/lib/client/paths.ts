/** Which dashboard pages need a session, and where sign-in may send the browser afterwards. Shared by proxy.ts and the client. */

/** Pages anyone may open: the sign-in page itself and the API reference. */
const PUBLIC_PAGES = ['/sign-in', '/docs'];

export const isPublicPage = (pathname: string) => PUBLIC_PAGES.some((p) => pathname === p || pathname.startsWith(`${p}/`));

const PARSE_BASE = 'http://refinery.invalid';

/**
 * `next` only when it is a path on this site, else "/". Browsers read "//evil.example" and
 * "/\evil.example" as other hosts, and drop control characters before parsing, so any of those
 * would send a freshly signed-in user elsewhere.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\') || /[\u0000-\u001f\u007f]/.test(next)) return '/';
  try {
    if (new URL(next, PARSE_BASE).origin !== PARSE_BASE) return '/';
  } catch {
    return '/';
  }
  // Back to the sign-in page would only show the form again.
  return /^\/sign-in(?:[/?#]|$)/.test(next) ? '/' : next;
}

export const signInPath = (next?: string) => (next && next !== '/' ? `/sign-in?${new URLSearchParams({ next })}` : '/sign-in');
