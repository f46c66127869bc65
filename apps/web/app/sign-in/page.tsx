import type { Metadata } from 'next';
import { SignInForm } from '@/components/auth/sign-in-form';
import { safeNextPath } from '@/lib/client/paths';

export const metadata: Metadata = { title: 'Sign in' };
// SSO is switched on by the server's environment at run time, not at build time.
export const dynamic = 'force-dynamic';

/** The same test as the server's ssoEnabled (packages/auth): all three settings present. */
function ssoName(): string | null {
  const env = process.env;
  if (!(env.REFINERY_OIDC_ISSUER && env.REFINERY_OIDC_CLIENT_ID && env.REFINERY_OIDC_CLIENT_SECRET)) return null;
  return env.REFINERY_OIDC_NAME || 'SSO';
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  // An SSO failure comes back here as ?error=<code>&error_description=<text> (better-auth's errorCallbackURL).
  const ssoError = first(params.error) ? first(params.error_description) || first(params.error)! : null;
  const sso = ssoName();
  return (
    <div className="mx-auto mt-12 max-w-sm">
      <h1 className="mb-1 text-xl font-semibold tracking-tight">Sign in to Refinery</h1>
      <p className="mb-5 text-sm text-slate-500">Accounts are created by an instance admin{sso ? ` or by signing in with ${sso}` : ''}.</p>
      <SignInForm ssoName={sso} next={safeNextPath(first(params.next))} initialError={ssoError && `Single sign-on failed: ${ssoError.replaceAll('_', ' ')}`} />
    </div>
  );
}
