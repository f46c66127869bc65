import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import Provider from 'oidc-provider';

/**
 * A real OpenID Provider on loopback for the SSO tests: `oidc-provider` (a certified OpenID
 * Connect implementation) with its development login pages, where any login name signs in.
 * The login name picks the account: its email is <login>@sso.example and its groups are the
 * ones listed in SSO_ACCOUNTS (others have none).
 */
export const SSO_ACCOUNTS: Record<string, { name: string; groups: string[] }> = {
  'sso-reviewer': { name: 'Sam Sso', groups: ['refinery-reviewers', 'everyone'] },
  'sso-outsider': { name: 'Otto Outsider', groups: ['everyone'] },
};
/** REFINERY_OIDC_GROUP_ROLES for the test stack. */
export const SSO_GROUP_ROLES = { 'refinery-reviewers': ['demo:reviewer'] };

export interface RunningOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

export async function startOidcProvider(port: number, redirectUri: string): Promise<RunningOidcProvider> {
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'refinery';
  const clientSecret = randomBytes(24).toString('hex');
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    // Put the scoped claims in the ID token too, whichever one the client reads.
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(16).toString('hex')] },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, sub) {
      const account = SSO_ACCOUNTS[sub];
      return {
        accountId: sub,
        claims: async () => ({ sub, email: `${sub}@sso.example`, email_verified: true, name: account?.name ?? sub, groups: account?.groups ?? [] }),
      };
    },
  });
  provider.on('server_error', (_ctx: unknown, err: Error) => console.error(`[oidc-provider] ${err.message}`));
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(port, '127.0.0.1', () => resolve(s));
  });
  return {
    issuer,
    clientId,
    clientSecret,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
