/**
 * better-auth's endpoints, called with plain fetch: two POSTs do not justify its client bundle.
 * Its errors are `{message, code}` (429 included), unlike the /api/v1 envelope.
 */

/** The provider id the server registers for OIDC single sign-on (packages/auth SSO_PROVIDER_ID). */
const SSO_PROVIDER_ID = 'sso';

export class AuthRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AuthRequestError';
  }
}

async function authPost<T>(path: string, body: object): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/auth${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), cache: 'no-store' });
  } catch (err) {
    throw new AuthRequestError(0, `the Refinery server is unreachable (${(err as Error).message})`);
  }
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const d = data as { message?: string; error?: { message?: string } } | null;
    throw new AuthRequestError(res.status, d?.message || d?.error?.message || `HTTP ${res.status} ${res.statusText}`);
  }
  return data as T;
}

/** Sets the session cookie on success. */
export const signInWithPassword = (email: string, password: string) => authPost<unknown>('/sign-in/email', { email, password });

/**
 * Starts the OIDC redirect dance and answers the provider's authorize URL for the browser to open.
 * better-auth 1.7 serves generic OAuth providers through /sign-in/social (there is no /sign-in/oauth2).
 * A failure at the provider comes back to `errorCallbackURL` with ?error=…&error_description=….
 */
export async function startSso(callbackURL: string, errorCallbackURL: string): Promise<string> {
  const res = await authPost<{ url?: string }>('/sign-in/social', { provider: SSO_PROVIDER_ID, callbackURL, errorCallbackURL, disableRedirect: true });
  if (!res.url) throw new AuthRequestError(500, 'the server did not answer a sign-in address for SSO');
  return res.url;
}

export const signOut = () => authPost<unknown>('/sign-out', {});
