import { getSessionCookie } from 'better-auth/cookies';
import { NextResponse, type NextRequest } from 'next/server';
import { isPublicPage, signInPath } from '@/lib/client/paths';

/**
 * Sends a page request without a session cookie to the sign-in page, remembering where it was
 * going. Only a presence check: the API checks the session itself, and a page whose cookie
 * turns out stale is sent to sign-in by useMe's 401 instead.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  // /metrics is for Prometheus, which brings its own token (lib/server/metrics.ts), never a cookie.
  if (pathname === '/metrics' || isPublicPage(pathname) || getSessionCookie(request)) return NextResponse.next();
  return NextResponse.redirect(new URL(signInPath(pathname + search), request.url));
}

export const config = {
  // Pages only: not the API (it answers 401 itself), Next's assets, or files such as /icon.svg.
  matcher: ['/((?!api/|_next/|.*\\.[^/]+$).*)'],
};
